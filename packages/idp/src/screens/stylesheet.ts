/** The one stylesheet of the IdP's screens, served from /assets/latchkey.css (CSP: style-src 'self'). */
export const STYLESHEET = `
:root { color-scheme: light dark; --accent: #4f46e5; --accent-ink: #fff; --ink: #111827; --muted: #6b7280;
  --bg: #f3f4f6; --card: #fff; --line: #e5e7eb; --danger: #b91c1c; --ok: #047857; }
@media (prefers-color-scheme: dark) { :root { --ink: #f9fafb; --muted: #9ca3af; --bg: #0b1020;
  --card: #111827; --line: #1f2937; --danger: #f87171; --ok: #34d399; } }
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; display: flex; flex-direction: column; align-items: center;
  justify-content: center; gap: 1rem; background: var(--bg); color: var(--ink);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", sans-serif; }
.card { width: min(26rem, calc(100vw - 2rem)); background: var(--card); border: 1px solid var(--line);
  border-radius: 14px; padding: 2rem; box-shadow: 0 10px 30px rgba(0,0,0,.08); }
.brand { display: flex; align-items: center; gap: .5rem; font-weight: 600; color: var(--muted); }
.logo { color: var(--accent); font-size: 1.25rem; }
h1 { font-size: 1.4rem; margin: .75rem 0 1.25rem; }
p { margin: 0 0 1rem; color: var(--muted); }
label { display: block; font-weight: 600; font-size: .9rem; margin: 0 0 .35rem; }
input[type=text], input[type=password] { width: 100%; padding: .65rem .75rem; margin: 0 0 1rem;
  border: 1px solid var(--line); border-radius: 8px; font: inherit; background: transparent; color: inherit; }
input:focus-visible, button:focus-visible, a:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
button { width: 100%; padding: .7rem; border: 0; border-radius: 8px; background: var(--accent);
  color: var(--accent-ink); font: inherit; font-weight: 600; cursor: pointer; }
button.secondary { background: transparent; color: var(--ink); border: 1px solid var(--line); margin-top: .5rem; }
.error { color: var(--danger); background: color-mix(in srgb, var(--danger) 10%, transparent);
  border-radius: 8px; padding: .6rem .75rem; margin: 0 0 1rem; }
.qr { display: flex; justify-content: center; margin: 0 0 1rem; }
.qr img { width: 200px; height: 200px; background: #fff; padding: 8px; border-radius: 8px; }
code, .codes { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .9rem; word-break: break-all; }
.codes { display: grid; grid-template-columns: 1fr 1fr; gap: .25rem 1rem; margin: 0 0 1rem; }
ul.scopes { padding-left: 1.2rem; color: var(--muted); }
input[type=email] { width: 100%; padding: .65rem .75rem; margin: 0 0 1rem;
  border: 1px solid var(--line); border-radius: 8px; font: inherit; background: transparent; color: inherit; }
input[readonly] { color: var(--muted); }
button.danger { background: var(--danger); }
button.small { width: auto; padding: .35rem .7rem; font-size: .85rem; }
a.button { display: block; text-align: center; padding: .7rem; border-radius: 8px; background: var(--accent);
  color: var(--accent-ink); font-weight: 600; text-decoration: none; }
label.check { display: flex; gap: .5rem; align-items: center; font-weight: 400; margin: 0 0 1rem; }
form + form, form[data-passkey] { margin-top: .75rem; }
.notice { color: var(--ok); background: color-mix(in srgb, var(--ok) 10%, transparent);
  border-radius: 8px; padding: .6rem .75rem; margin: 0 0 1rem; }
.who { font-size: .9rem; }
.tabs { display: flex; flex-wrap: wrap; gap: .25rem .9rem; border-bottom: 1px solid var(--line);
  padding-bottom: .5rem; margin: 0 0 1.25rem; font-size: .9rem; }
.tabs a { text-decoration: none; color: var(--muted); }
.tabs a[aria-current=page] { color: var(--accent); font-weight: 600; }
ul.items { list-style: none; padding: 0; margin: 0 0 1rem; }
ul.items li { display: flex; justify-content: space-between; align-items: center; gap: .75rem;
  padding: .6rem 0; border-bottom: 1px solid var(--line); }
ul.items small { color: var(--muted); }
.tag { font-size: .75rem; color: var(--ok); border: 1px solid var(--ok); border-radius: 999px; padding: 0 .4rem; }
footer { color: var(--muted); font-size: .8rem; }
a { color: var(--accent); }
`
