// Small enhancements; every page works without them.
document.addEventListener('click', (event) => {
  const target = event.target instanceof Element ? event.target : null;
  if (!target) return;
  const confirmer = target.closest('[data-confirm]');
  // a submit button asks when its form is really sent (below), after the browser has checked the inputs
  if (confirmer && !(confirmer instanceof HTMLButtonElement && confirmer.type === 'submit' && confirmer.form)) {
    if (!window.confirm(confirmer.getAttribute('data-confirm'))) {
      event.preventDefault();
      return;
    }
  }
  const copy = target.closest('[data-copy]');
  if (copy) {
    const source = document.getElementById(copy.getAttribute('data-copy'));
    if (source && navigator.clipboard) {
      navigator.clipboard.writeText(source.textContent || source.value || '');
      copy.textContent = 'Copied';
      setTimeout(() => { copy.textContent = 'Copy'; }, 1200);
    }
    event.preventDefault();
  }
});

document.addEventListener('submit', (event) => {
  const button = event.submitter;
  const message = button instanceof HTMLElement ? button.getAttribute('data-confirm') : null;
  if (message && !window.confirm(message)) event.preventDefault();
});

// an import form: a chosen file is read into the form's text box, so that the page needs no multipart upload
document.addEventListener('change', (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || input.type !== 'file' || !input.hasAttribute('data-load-into')) return;
  const box = document.getElementById(input.getAttribute('data-load-into'));
  const file = input.files && input.files[0];
  if (!box || !file) return;
  file.text().then((text) => { box.value = text; });
});
