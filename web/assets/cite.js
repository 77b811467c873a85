// Clicking a citation [n] brings its source card into view and marks it (capture phase,
// before the chat's own link handling).
if (!window.__articleQaCites) {
  window.__articleQaCites = true;
  document.addEventListener('click', (event) => {
    const link = event.target.closest && event.target.closest('a[href^="#src-"]');
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const card = document.getElementById(link.getAttribute('href').slice(1));
    if (!card) return;
    document.querySelectorAll('.aq-source.aq-active')
      .forEach((el) => el.classList.remove('aq-active'));
    card.classList.add('aq-active');
    card.scrollIntoView({behavior: 'smooth', block: 'center'});
  }, true);
}
