// The staff viewer for a token holder: one page, standards only (RTCPeerConnection, fetch, Intl),
// no framework. The token comes from the URL fragment (never sent to the server in a URL) or the
// paste box and is only ever sent in an Authorization header. Nothing is stored: no localStorage,
// no cookies. Texts are in Swedish and English at once; the round shows one language at a time.
import { FallbackPlayer } from './fallback.js';
import { Player, warmPeer } from './player.js';
import { fmtTime, say, sayEnd, sayPause } from './reasons.js';

const $ = (id) => document.getElementById(id);
const ui = {
  device: $('device'),
  window: $('window'),
  login: $('login'),
  tokenBox: $('token'),
  useToken: $('use-token'),
  frame: $('frame'),
  video: $('video'),
  canvas: $('canvas'),
  remaining: $('remaining'),
  message: $('message'),
  watch: $('watch'),
  close: $('close'),
  reference: $('reference'),
};
let token = '';
let state = null;
let player = null;

function readFragmentToken() {
  const hash = location.hash.replace(/^#/, '');
  if (!hash) return '';
  const params = new URLSearchParams(hash);
  const t = params.get('token') || (hash.includes('=') ? '' : hash);
  history.replaceState(null, '', location.pathname);
  return t.trim();
}

function message(text, error) {
  ui.message.textContent = text;
  ui.message.className = error ? 'message error' : 'message';
}

const both = (ms) => fmtTime(ms, 'sv', state?.timeZone);
const auth = () => ({ Authorization: `Bearer ${token}` });

async function loadState() {
  const res = await fetch('api/state', { headers: auth(), cache: 'no-store' });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    state = null;
    ui.watch.disabled = true;
    message(say(body.code, 'both', body.message), true);
    if (res.status === 401) ui.login.hidden = false;
    return;
  }
  state = body;
  ui.login.hidden = true;
  ui.device.textContent = body.deviceLabel;
  const preview = body.installPreviewUntil;
  if (body.paused) ui.window.textContent = sayPause(body.pause, 'both', state.timeZone, body.now);
  else if (preview)
    ui.window.textContent = `Installation till ${both(preview)} · installer preview until ${both(preview)}`;
  else if (body.open)
    ui.window.textContent = `Öppet till ${both(body.open.end)} · open until ${both(body.open.end)}`;
  else if (body.next)
    ui.window.textContent = `Nästa ${both(body.next.start)} · next at ${both(body.next.start)}`;
  else ui.window.textContent = 'Inga fönster planerade · no windows scheduled';
  ui.watch.disabled = !(body.open || preview) || body.paused || player !== null;
  if (!ui.watch.disabled) warm(body.iceServers);
}

// Gathering starts once a look is possible; a warm peer older than its TURN credential is replaced.
let warmed = null;
function warm(iceServers) {
  if (warmed && performance.now() - warmed.at < WARM_MS) return;
  warmed?.pc?.close();
  warmed = { pc: warmPeer(iceServers), at: performance.now() };
}
const WARM_MS = 5 * 60_000;

function onEvent(e) {
  if (e.type === 'fallback') return fallBack(e.reason);
  if (e.type === 'playing') message('');
  if (e.type === 'stalled') message(say('stalled', 'both'), true);
  if (e.type === 'resumed') message('');
  if (e.type === 'tick') {
    const sec = Math.ceil(e.remainingMs / 1000);
    ui.remaining.textContent = `${Math.floor(sec / 60)}:${String(sec % 60).padStart(2, '0')}`;
    ui.remaining.hidden = false;
  }
  if (e.type === 'refused') {
    message(say(e.code, 'both', e.message), true);
    done();
  }
  if (e.type === 'ended') {
    const closed = e.status.endCode === 'closed_by_viewer';
    message(closed ? say('closed', 'both') : sayEnd(e.status, 'both', state?.timeZone), !closed);
    done();
  }
}

function done() {
  player = null;
  ui.remaining.hidden = true;
  ui.close.hidden = true;
  ui.reference.hidden = true;
  loadState();
}

/** The picture's element for each transport: a video for WebRTC, a canvas for MPEG-1. */
function show(transport) {
  ui.frame.dataset.transport = transport;
  ui.video.hidden = transport !== 'webrtc';
  ui.canvas.hidden = transport !== 'mpeg1';
}

async function watch() {
  ui.watch.disabled = true;
  message(say('connecting', 'both'));
  show('webrtc');
  player = new Player({
    frame: ui.frame,
    video: ui.video,
    whep: new URL('whep', location.href).href,
    fallback: new URL('fallback', location.href).href,
    headers: auth,
    iceServers: state?.iceServers ?? [],
    onEvent,
    ...(warmed?.pc ? { pc: warmed.pc } : {}),
  });
  warmed = null;
  ui.close.hidden = false;
  ui.reference.hidden = !state?.installPreviewUntil;
  await player.start();
}

/** WebRTC cannot bring the picture here: the same look over MPEG-1 and the page's own HTTPS. */
async function fallBack(reason) {
  message(say('fallback', 'both'));
  show('mpeg1');
  const socket = new URL('fallback/ws', location.href);
  socket.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  player = new FallbackPlayer({
    frame: ui.frame,
    canvas: ui.canvas,
    fallback: new URL('fallback', location.href).href,
    socket: socket.href,
    headers: auth,
    onEvent,
    reason,
  });
  await player.start();
}

// The installer confirms the aim: the device keeps a hash of the view, never the picture.
async function confirmReference() {
  if (!player?.location) return;
  ui.reference.disabled = true;
  const res = await fetch(`${player.location}/reference`, { method: 'POST', headers: auth() });
  const body = await res.json().catch(() => ({}));
  ui.reference.disabled = false;
  if (!res.ok) return message(say(body.code, 'both', body.message), true);
  const p = player;
  await p.close();
  message('Vyn sparad (bara ett fingeravtryck) · View saved (a fingerprint only)', false);
}

function begin() {
  if (!token) {
    ui.login.hidden = false;
    message('Token saknas · No token', true);
    return;
  }
  loadState();
  setInterval(() => {
    if (!player) loadState();
  }, 15000);
}

ui.useToken.addEventListener('click', () => {
  token = ui.tokenBox.value.trim();
  ui.tokenBox.value = '';
  begin();
});
ui.watch.addEventListener('click', () =>
  watch().catch((e) => {
    message(`Fel · Error: ${e.message}`, true);
    player?.close();
  }),
);
ui.close.addEventListener('click', () => player?.close());
ui.reference.addEventListener('click', () =>
  confirmReference().catch((e) => message(`Fel · Error: ${e.message}`, true)),
);
window.addEventListener('pagehide', () => player?.close());
token = readFragmentToken();
begin();
