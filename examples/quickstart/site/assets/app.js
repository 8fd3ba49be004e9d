// A tiny client-side router: every path is served index.html by the distribution's
// custom error responses (403/404 → /index.html, 200), and this script renders the route.
const routes = [
  [/^\/$/, () => '<h1>Home</h1><p>Served by edgefront from a local bucket, with CloudFront semantics.</p>'],
  [/^\/about$/, () => '<h1>About</h1><p>This route does not exist in the bucket: S3 answered 403, CloudFront served /index.html.</p>'],
  [/^\/products\/(\d+)$/, (id) => `<h1>Product ${id}</h1>`],
];

function render() {
  const view = document.getElementById('view');
  for (const [pattern, page] of routes) {
    const match = location.pathname.match(pattern);
    if (match) {
      view.innerHTML = page(...match.slice(1));
      return;
    }
  }
  view.innerHTML = '<h1>Not found</h1>';
}

document.addEventListener('click', (event) => {
  const link = event.target.closest('a[data-route]');
  if (!link) return;
  event.preventDefault();
  history.pushState({}, '', link.getAttribute('href'));
  render();
});
window.addEventListener('popstate', render);
render();
