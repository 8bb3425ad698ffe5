// Small enhancements; every page works without them.
document.addEventListener('click', (event) => {
  const target = event.target instanceof Element ? event.target : null;
  if (!target) return;
  const confirmer = target.closest('[data-confirm]');
  if (confirmer && !window.confirm(confirmer.getAttribute('data-confirm'))) {
    event.preventDefault();
    return;
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
