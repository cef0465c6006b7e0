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
};

// The person's theme choice ("light", "dark"; none means follow the device), remembered in this browser. The
// dashboard reads it through Blazor; the static sign-in pages get it as <html data-theme> from the line below.
window.fieldcamp.theme = {
  get: () => localStorage.getItem("fieldcamp.theme"),
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
};
window.fieldcamp.theme.mark();

// Submits a form that lives outside a menu (a menu may hold only menu items), such as signing out.
window.fieldcamp.submitForm = (id) => document.getElementById(id).requestSubmit();

// "Skip to content" moves keyboard focus, not only the scroll position, and leaves the address alone (a plain
// #fragment would resolve against <base href="/"> and leave the page).
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("a.skip-link");
  if (!link) return;
  event.preventDefault();
  const target = document.getElementById(link.getAttribute("href").slice(1));
  if (target) target.focus();
});
