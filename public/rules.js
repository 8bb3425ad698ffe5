// rules.js: progressive enhancements for the rule form, the scenario form and the countdowns; every page works
// without it (the add/remove buttons then re-render the form on the server).
(() => {
  'use strict';

  const ROW_FIELD = /^(?:when|whenAny\.\d+)\.(?:\d+|__i__)\./;

  /** names, ids and labels of every row follow its position in its list, as the server would render them */
  function renumber(container) {
    const prefix = container.getAttribute('data-prefix') || 'when';
    const group = container.getAttribute('data-group');
    container.querySelectorAll('[data-condition]').forEach((row, i) => {
      row.querySelectorAll('[name], [id], [for], [aria-describedby]').forEach((el) => {
        for (const attr of ['name', 'id', 'for', 'aria-describedby']) {
          const value = el.getAttribute(attr);
          if (value && ROW_FIELD.test(value)) el.setAttribute(attr, value.replace(ROW_FIELD, `${prefix}.${i}.`));
        }
      });
      const remove = row.querySelector('[data-remove-condition]');
      if (remove) remove.value = group === null ? `remove-condition-${i}` : `remove-group-condition-${group}-${i}`;
    });
  }

  function setupConditions(form) {
    const template = form.querySelector('#condition-template');
    if (!template) return;
    form.querySelectorAll('[data-add-condition]').forEach((add) => {
      const container = form.querySelector(`[id="${add.getAttribute('data-add-condition')}"]`);
      if (!container) return;
      add.addEventListener('click', (event) => {
        event.preventDefault();
        container.appendChild(template.content.cloneNode(true));
        renumber(container);
        const rows = container.querySelectorAll('[data-condition]');
        rows[rows.length - 1]?.querySelector('input')?.focus();
      });
    });
    form.querySelectorAll('.conditions[data-prefix]').forEach((container) => {
      container.addEventListener('click', (event) => {
        const button = event.target instanceof Element ? event.target.closest('[data-remove-condition]') : null;
        if (!button) return;
        // the last row of a group: the server removes the group with it
        if (container.getAttribute('data-group') !== null && container.querySelectorAll('[data-condition]').length === 1) return;
        event.preventDefault();
        button.closest('[data-condition]')?.remove();
        // with no row left the container is emptied, so that its "no condition" note shows
        if (!container.querySelector('[data-condition]')) container.replaceChildren();
        renumber(container);
        form.querySelector(`[data-add-condition="${container.id}"]`)?.focus();
      });
    });
  }

  function fillOptions(select, values, keep) {
    const current = select.value;
    select.replaceChildren(...values.map((value) => new Option(value, value)));
    if (values.includes(current)) select.value = current;
    else if (keep) select.value = values.find((value) => value !== 'SUCCESS') ?? values[0] ?? '';
  }

  function fillDatalist(list, values) {
    if (!list) return;
    list.replaceChildren(...values.map((value) => {
      const option = document.createElement('option');
      option.value = value;
      return option;
    }));
  }

  function setupOutcome(form) {
    let vocabulary = null;
    try {
      vocabulary = JSON.parse(form.dataset.vocabulary || 'null');
    } catch {
      vocabulary = null;
    }
    const type = form.querySelector('[id="then.type"]');
    const service = form.querySelector('#service');
    const error = form.querySelector('[id="then.error"]');
    const resultCode = form.querySelector('[id="then.resultCode"]');

    const showType = () => {
      if (!type) return;
      form.querySelectorAll('.type-block[data-type]').forEach((block) => {
        block.hidden = block.getAttribute('data-type') !== type.value;
      });
      if (error) {
        error.setAttribute('list', type.value === 'gateway' ? 'gateway-errors' : 'business-errors');
        error.placeholder = type.value === 'gateway' ? 'SYSTEM_ERROR' : 'BUYER_BALANCE_NOT_ENOUGH';
      }
    };
    const showService = () => {
      if (!service) return;
      const name = service.value;
      // "apply it anyway" exists only for refund and cancel rules
      form.querySelectorAll('[data-services]').forEach((block) => {
        const checked = block.querySelector('input[type="checkbox"]')?.checked;
        block.hidden = !checked && !block.getAttribute('data-services').split(' ').includes(name);
      });
      if (!vocabulary) return;
      if (resultCode && vocabulary.resultCodes[name]) fillOptions(resultCode, vocabulary.resultCodes[name], true);
      if (vocabulary.params[name]) fillDatalist(form.querySelector('#param-suggestions'), vocabulary.params[name]);
      if (vocabulary.errors[name]) fillDatalist(form.querySelector('#business-errors'), vocabulary.errors[name]);
    };
    type?.addEventListener('change', showType);
    service?.addEventListener('change', showService);
    showType();
    showService();
  }

  function formatLeft(seconds) {
    if (seconds >= 3600) return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
    if (seconds >= 60) return `${Math.floor(seconds / 60)} min${seconds % 60 ? ` ${seconds % 60} s` : ''}`;
    return `${seconds} s`;
  }

  function setupCountdowns() {
    const badges = [...document.querySelectorAll('[data-seconds-left]')];
    if (badges.length === 0) return;
    // seconds left as last read, and when: the server's figures are on each partner's clock, which can be moved
    let base = new Map(badges.map((badge) => [badge.getAttribute('data-scenario'), Number(badge.getAttribute('data-seconds-left'))]));
    let readAt = Date.now();
    const show = (badge, left) => {
      if (left > 0) badge.textContent = formatLeft(left);
      else {
        badge.textContent = 'ended';
        badge.classList.remove('warn');
        badge.classList.add('off');
      }
    };
    const tick = () => {
      const elapsed = Math.floor((Date.now() - readAt) / 1000);
      for (const badge of badges) show(badge, (base.get(badge.getAttribute('data-scenario')) ?? 0) - elapsed);
    };
    const resync = () => {
      fetch('/scenarios/time-left', { headers: { accept: 'application/json' }, credentials: 'same-origin' })
        .then((response) => (response.ok ? response.json() : null))
        .then((data) => {
          if (!data || !Array.isArray(data.items)) return;
          // a scenario missing from the answer has ended (or was stopped)
          base = new Map(data.items.map((item) => [item.id, item.secondsLeft === null ? Infinity : item.secondsLeft]));
          readAt = Date.now();
          tick();
        })
        .catch(() => {});
    };
    setInterval(tick, 1000);
    setInterval(resync, 5000);
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden) resync();
    });
  }

  document.addEventListener('DOMContentLoaded', () => {
    document.querySelectorAll('form[data-vocabulary]').forEach((form) => {
      setupConditions(form);
      setupOutcome(form);
    });
    setupCountdowns();
  });
})();
