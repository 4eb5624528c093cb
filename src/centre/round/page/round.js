// The night round on a phone: tonight's checks from the centre (GET /round/api/round), one tap to
// look, one tap for what was seen. The page holds no token: a look is started at the centre,
// which answers with a look handle, and every WHEP request carries the session cookie and that
// handle. One language at a time (Swedish by default, English by the switch, kept in the URL).
import { lookOverlay } from './look.js';
import { hasWebRTC } from './player.js';
import { fmtDate, fmtTime, say } from './reasons.js';
import { TEXT } from './texts.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
let lang = params.get('lang') === 'en' ? 'en' : params.get('lang') === 'sv' ? 'sv' : null;
let round = null;
const t = (key, vars = {}) => (TEXT[lang ?? 'sv'][key] ?? key).replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? '');

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('data-')) node.setAttribute(k, v);
    else node[k] = v;
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

/** WebRTC, or the centre's MPEG-1 fallback (for a browser without it, or a network that blocks it). */
const canPlay = () => hasWebRTC() || round?.fallback === true;

function toSignIn() {
  location.assign(`/auth/login?returnTo=${encodeURIComponent(location.pathname + location.search)}`);
}

async function load(auto = false) {
  const headers = auto ? { 'Nattsyn-Refresh': 'auto' } : {};
  const res = await fetch('/round/api/round', { cache: 'no-store', headers }).catch(() => null);
  if (!res) return status(say('connection_lost', lang ?? 'sv'), true);
  if (res.status === 401) return toSignIn();
  const body = await res.json().catch(() => ({}));
  if (!res.ok) return status(say(body.code, lang ?? 'sv', body.message), true);
  round = body;
  lang ??= body.language;
  render();
}

function status(text, error) {
  $('status').textContent = text;
  $('status').className = error ? 'status error' : 'status';
}

function translateStatic() {
  document.documentElement.lang = lang;
  for (const node of document.querySelectorAll('[data-t]')) node.textContent = t(node.dataset.t);
  const other = lang === 'en' ? 'sv' : 'en';
  const link = $('lang');
  link.textContent = other === 'en' ? 'English' : 'Svenska';
  link.lang = other;
  const next = new URLSearchParams(location.search);
  next.set('lang', other);
  link.href = `?${next}`;
}

function render() {
  translateStatic();
  const devices = new Map(round.devices.map((d) => [d.deviceId, d]));
  $('shift').textContent = t('shiftUntil', { time: fmtTime(round.shiftEnd, lang) });
  $('checks').replaceChildren(...round.checks.map((c) => checkItem(c, devices.get(c.deviceId))));
  const listed = new Set(round.checks.map((c) => c.deviceId));
  const quiet = round.devices.filter((d) => !listed.has(d.deviceId));
  $('quiet').hidden = quiet.length === 0;
  $('others').replaceChildren(...quiet.map((d) => deviceItem(d)));
  $('logs').hidden = !round.whoLooked || round.devices.length === 0;
  $('log-links').replaceChildren(...(round.whoLooked ? round.devices.map((d) => logLink(d)) : []));
  if (!canPlay()) status(say('no_webrtc', lang), true);
  else if (round.checks.length === 0 && quiet.length === 0) status(t('empty'));
  else status('');
}

function checkItem(check, device) {
  const tz = device.timeZone;
  const when =
    check.end === null
      ? t('followUpAt', { time: fmtTime(check.start, lang, tz) })
      : `${fmtTime(check.start, lang, tz)}–${fmtTime(check.end, lang, tz)}`;
  const state =
    check.status === 'done'
      ? t('doneAt', { time: fmtTime(check.outcome.at, lang, tz), outcome: t(check.outcome.outcome) })
      : t(check.status);
  const reason = check.kind === 'follow_up' ? 'follow_up' : undefined;
  return el(
    'li',
    {
      class: `check ${check.status}`,
      'data-device': check.deviceId,
      'data-kind': check.kind,
      'data-status': check.status,
    },
    el('p', { class: 'when' }, when),
    el('p', { class: 'room' }, device.room),
    readinessBadge(device),
    archiveBadge(device),
    el('p', { class: 'state' }, state),
    lookButton(device, check.look, reason),
  );
}

function deviceItem(device) {
  const extra = device.extraLook
    ? el(
        'button',
        {
          type: 'button',
          class: 'look secondary',
          'data-device': device.deviceId,
          onclick: () => chooseReason(device),
        },
        t('extraLook'),
      )
    : null;
  const paused = device.pause
    ? el(
        'p',
        { class: 'state' },
        device.pause.until
          ? say('paused_until', lang).replace('{date}', fmtDate(device.pause.until, lang, device.timeZone))
          : say('paused', lang),
      )
    : null;
  return el(
    'li',
    { class: 'check quiet', 'data-device': device.deviceId },
    el('p', { class: 'room' }, device.room),
    readinessBadge(device),
    archiveBadge(device),
    paused,
    extra,
  );
}

function readinessBadge(device) {
  const problems = device.problems.map((p) => t(`problem_${p}`)).join(', ');
  const text = device.readiness === 'at_risk' ? t('at_risk', { problems }) : t(device.readiness);
  return el('p', { class: `badge ${device.readiness}`, 'data-readiness': device.readiness }, text);
}

// Only a trail the archive holds incompletely is worth a line: the look itself is unaffected.
function archiveBadge(device) {
  const state = device.archive?.state;
  if (state !== 'behind' && state !== 'broken') return null;
  return el('p', { class: `archive ${state}`, 'data-archive': state }, t(`archive_${state}`));
}

function logLink(device) {
  const href = `/round/who-looked/${encodeURIComponent(device.deviceId)}`;
  return el('li', {}, el('a', { href, 'data-device': device.deviceId }, device.room));
}

function lookButton(device, option, reason) {
  const button = el('button', { type: 'button', class: 'look', 'data-device': device.deviceId }, t('look'));
  if (option.enabled && canPlay()) {
    button.onclick = () => startLook(device, reason);
    return button;
  }
  button.disabled = true;
  const why =
    option.code === 'paused' && option.until
      ? say('paused_until', lang).replace('{date}', fmtDate(option.until, lang, device.timeZone))
      : say(option.code ?? 'no_webrtc', lang);
  return el('div', { class: 'look-off' }, button, el('p', { class: 'why' }, why));
}

function chooseReason(device) {
  const dialog = $('reason');
  $('reasons').replaceChildren(
    ...['alarm', 'phone_call', 'other_concern', 'follow_up'].map((r) =>
      el('button', { value: r, type: 'submit' }, t(`reason_${r}`)),
    ),
  );
  dialog.onclose = () => {
    if (dialog.returnValue) startLook(device, dialog.returnValue);
  };
  dialog.showModal();
}

async function startLook(device, reason) {
  if (overlay.active()) return;
  status(say('connecting', lang));
  const res = await fetch(`/round/look/${device.deviceId}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(reason ? { reason } : {}),
  }).catch(() => null);
  if (!res) return status(say('connection_lost', lang), true);
  if (res.status === 401) return toSignIn();
  const body = await res.json().catch(() => ({}));
  if (!res.ok) return status(`${device.room}: ${say(body.code, lang, body.message)}`, true);
  status('');
  overlay.open(device, body, round.fallback === true);
}

const overlay = lookOverlay({
  lang: () => lang,
  toSignIn,
  recorded: (device, outcome) => t('recorded', { room: device.room, outcome: t(outcome) }),
  closed: async (note) => {
    await load();
    if (note) status(note);
  },
});

window.addEventListener('pagehide', () => overlay.close(undefined, false));
setInterval(() => {
  if (!overlay.active() && document.visibilityState === 'visible') load(true);
}, 30_000);
load();
