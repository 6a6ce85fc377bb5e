// Model overview: filters the hook table.
'use strict';
(() => {
  const f = document.getElementById('hook-filter');
  f.addEventListener('input', () => {
    const q = f.value.trim().toLowerCase();
    document.querySelectorAll('#hooks tbody tr').forEach((tr) => {
      tr.hidden = q !== '' && !tr.textContent.toLowerCase().includes(q);
    });
  });
})();
