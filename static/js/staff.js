// Behaviour the staff pages share, kept out of the HTML so the Content-Security-Policy can
// refuse inline scripts. A select marked data-autosubmit sends its form when it changes.
document.addEventListener("change", (event) => {
  if (event.target.matches("select[data-autosubmit]")) {
    event.target.form.submit();
  }
});

// A box marked data-swap-refusals shows a refusal's own partial (422: input the server would
// refuse, with the reason in words); htmx otherwise leaves a 4xx answer unshown.
document.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail.target;
  if (event.detail.xhr.status === 422 && target && target.closest("[data-swap-refusals]")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
