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
