// Small browser helpers for the dashboard. Nothing here stores or logs a key.
window.fieldcamp = {
  async copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return;
    }
    // Plain-HTTP installations have no async clipboard: fall back to a temporary selection, and give the focus back
    // to the copy button afterwards so a keyboard user stays where they were.
    const focused = document.activeElement;
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    const copied = document.execCommand("copy");
    area.remove();
    focused?.focus();
    if (!copied) throw new Error("The browser did not copy the text.");
  },

  // Calls the hosted API with a key, exactly as an integration would (no cookies).
  async getWithKey(path, key) {
    const response = await fetch(path, { headers: { Authorization: `Bearer ${key}` }, credentials: "omit", cache: "no-store" });
    return { status: response.status, body: await response.text() };
  },

  // After a refused submit: brings the first invalid field in the container into view and focuses it. A field is an
  // input marked aria-invalid, or a group marked data-invalid (the scope picker): its first enabled control takes the
  // focus, and the group's top, with its label and error, scrolls into view.
  focusFirstError(container) {
    const invalid = container?.querySelector('[aria-invalid="true"], [data-invalid="true"]');
    if (!invalid) return;
    const isInput = invalid.matches("input, select, textarea");
    const target = isInput ? invalid : invalid.querySelector("input:not(:disabled)") ?? invalid;
    invalid.scrollIntoView({ block: isInput ? "center" : "start" });
    target.focus({ preventScroll: true });
  },

  // Moves keyboard focus to an element by id, for a control that has just disappeared along with what it did.
  focusElement: (id) => document.getElementById(id)?.focus(),

  // Submits a form that lives outside a menu (a menu may hold only menu items), such as signing out.
  submitForm: (id) => document.getElementById(id).requestSubmit(),

  // The person's theme choice ("light", "dark"; none means follow the device), remembered in this browser. The
  // dashboard reads it through Blazor; the static sign-in pages get it as <html data-theme> from mark(), below.
  theme: {
    // Only the two known values leave the browser: anything else stored under the name means "follow the device".
    get() {
      const choice = localStorage.getItem("fieldcamp.theme");
      return choice === "light" || choice === "dark" ? choice : null;
    },
    set(choice) {
      if (choice === "light" || choice === "dark") localStorage.setItem("fieldcamp.theme", choice);
      else localStorage.removeItem("fieldcamp.theme");
      window.fieldcamp.theme.mark();
    },
    mark() {
      const choice = window.fieldcamp.theme.get();
      if (choice) document.documentElement.dataset.theme = choice;
      else delete document.documentElement.dataset.theme;
    },
  },
};
window.fieldcamp.theme.mark();

// "Skip to content" moves keyboard focus, not only the scroll position, and leaves the address alone (a plain
// #fragment would resolve against <base href="/"> and leave the page).
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("a.skip-link");
  if (!link) return;
  event.preventDefault();
  const target = document.getElementById(link.getAttribute("href").slice(1));
  if (target) target.focus();
});

// Sign-in and setup pages are server-rendered forms without a circuit: their errors come with the page and would
// stay until the next submit. Once a field is corrected (filled in, and passing the browser's own checks such as
// type=email), its error goes; the server judges everything again on submit. One listener on the document also
// serves pages that enhanced navigation swaps in.
document.addEventListener("input", (event) => {
  const field = event.target;
  if (!(field instanceof HTMLInputElement) || !field.closest(".account-form")) return;
  if (field.getAttribute("aria-invalid") !== "true" || field.value.trim() === "" || !field.checkValidity()) return;
  field.removeAttribute("aria-invalid");
  // The error boxes stay, empty, so the field's aria-describedby still points at them.
  for (const id of (field.getAttribute("aria-describedby") ?? "").split(/\s+/).filter(Boolean)) {
    document.getElementById(id)?.querySelectorAll(".account-field-error").forEach((message) => message.remove());
  }
});
