// Behaviour shared by every page. No inline scripts: the Content-Security-Policy forbids them.
document.addEventListener("DOMContentLoaded", () => {
  // <button data-confirm="..."> asks before submitting its form.
  document.querySelectorAll("[data-confirm]").forEach((el) => {
    el.addEventListener("click", (event) => {
      if (!window.confirm(el.dataset.confirm)) event.preventDefault();
    });
  });
  // <select data-autosubmit> submits its form on change (filters).
  document.querySelectorAll("[data-autosubmit]").forEach((el) => {
    el.addEventListener("change", () => {
      if (!el.form) return;
      // data-clears="a b": the named fields depend on this one; a stale choice would no longer be valid.
      (el.dataset.clears || "").split(" ").filter(Boolean).forEach((name) => {
        const field = el.form.elements.namedItem(name);
        if (field) field.value = "";
      });
      el.form.submit();
    });
  });
  // <button data-print> prints the page.
  document.querySelectorAll("[data-print]").forEach((el) => {
    el.addEventListener("click", () => window.print());
  });
});
