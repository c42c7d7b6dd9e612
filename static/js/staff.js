// Behaviour the staff pages share, kept out of the HTML so the Content-Security-Policy can
// refuse inline scripts. A select marked data-autosubmit sends its form when it changes.
document.addEventListener("change", (event) => {
  if (event.target.matches("select[data-autosubmit]")) {
    event.target.form.submit();
  }
});
