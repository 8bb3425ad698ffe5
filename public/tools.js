// tools.js: progressive enhancements for Simulate; every page works without it (the buttons post the form).
(() => {
  const rows = document.querySelector('[data-rows]');
  if (!rows) return;
  const form = rows.closest('form');

  // a blank row to clone, taken before the tester edits anything
  const last = rows.querySelector('[data-row]:last-of-type');
  const template = last ? last.cloneNode(true) : null;
  if (template) {
    for (const input of template.querySelectorAll('input')) {
      input.value = '';
      input.classList.remove('invalid');
      input.removeAttribute('aria-describedby');
    }
    for (const error of template.querySelectorAll('.field-error')) error.remove();
  }

  function label(row) {
    const name = row.querySelector('input[name=param_name]');
    const value = row.querySelector('input[name=param_value]');
    const remove = row.querySelector('[data-row-remove]');
    if (!name || !value) return;
    value.setAttribute('data-param', name.value);
    value.setAttribute('aria-label', name.value || 'New parameter value');
    value.placeholder = name.value === 'sign' ? 'computed when empty' : 'value';
    if (remove) remove.setAttribute('aria-label', `Remove ${name.value || 'this row'}`);
  }

  rows.addEventListener('input', (event) => {
    const target = event.target;
    if (target instanceof HTMLInputElement && target.name === 'param_name') label(target.closest('[data-row]'));
  });

  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    const remove = target.closest('[data-row-remove]');
    if (remove && rows.contains(remove)) {
      event.preventDefault();
      remove.closest('[data-row]')?.remove();
      return;
    }
    if (target.closest('[data-row-add]') && template) {
      event.preventDefault();
      const row = template.cloneNode(true);
      rows.appendChild(row);
      label(row);
      row.querySelector('input[name=param_name]')?.focus();
    }
  });

  // choosing another service or partner loads its sample, as "Load a fresh sample" does
  const load = form?.querySelector('[data-load-sample]');
  for (const select of form?.querySelectorAll('select[data-autoload]') ?? []) {
    select.addEventListener('change', () => {
      if (load && typeof form.requestSubmit === 'function') form.requestSubmit(load);
    });
  }
})();
