// The page's one script: the print button (the page itself needs no script to show or print).
document.getElementById('print')?.addEventListener('click', () => window.print());
