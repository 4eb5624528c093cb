/**
 * One look as the viewer page makes it, run inside a browser page served by the centre: ask the
 * device (through the centre) for the window state and the TURN servers it may use, offer through
 * the relay at once and trickle candidates after it (WHEP PATCH), wait for the first decoded frame,
 * read which candidate pair carried it (getStats), then end the look. Times from the tap to the
 * first frame.
 */
import type { Page } from 'playwright-core';

export interface LookResult {
  stateStatus: number;
  status: number;
  code?: string;
  /** Every response header the browser saw (to check that no credential reached a refusal). */
  headers: Record<string, string>;
  stateBody: string;
  /** From the tap (or, without `readMs`, the state request) to the first decoded frame. */
  tapToFrameMs?: number;
  framesDecoded: number;
  /** The selected pair's candidate types, and how the local side reached its TURN server. */
  pair?: { local: string; remote: string; relayProtocol?: string };
}

export function lookThroughCentre(
  page: Page,
  deviceId: string,
  token: string,
  options: {
    timeoutMs?: number;
    policy?: RTCIceTransportPolicy;
    /** Offer at once, without asking for the window state (and its TURN servers) first. */
    skipState?: boolean;
    /**
     * The nurse reads the screen this long between the page showing the window and the tap; the
     * time to the first frame is then counted from the tap (otherwise from the state request).
     */
    readMs?: number;
  } = {},
): Promise<LookResult> {
  return page.evaluate(
    async ({ deviceId, token, o }) => {
      const auth = { Authorization: `Bearer ${token}` };
      let t0 = performance.now();
      const headers: Record<string, string> = {};
      let stateBody = '{}';
      if (!o.skipState) {
        const stateRes = await fetch(`/d/${deviceId}/api/state`, { headers: auth });
        stateBody = await stateRes.text();
        stateRes.headers.forEach((v, k) => {
          headers[`state:${k}`] = v;
        });
        if (stateRes.status !== 200) {
          return { stateStatus: stateRes.status, status: 0, headers, stateBody, framesDecoded: 0 };
        }
      }
      const state = JSON.parse(stateBody) as { iceServers?: RTCIceServer[] };
      // As the viewer page does once it has the window state: the browser gathers (and allocates its
      // TURN relay) while the nurse reads the screen, so the tap does not wait for it.
      const pc = new RTCPeerConnection({
        iceServers: state.iceServers ?? [],
        iceCandidatePoolSize: 1,
        ...(o.policy ? { iceTransportPolicy: o.policy } : {}),
      });
      if (o.readMs) {
        await new Promise((r) => setTimeout(r, o.readMs));
        t0 = performance.now();
      }
      pc.addTransceiver('video', { direction: 'recvonly' });
      const track = new Promise<MediaStream>((resolve) => {
        pc.ontrack = (e) => resolve(e.streams[0] ?? new MediaStream([e.track]));
      });
      // Trickled as the viewer page does (WHEP PATCH): the offer goes at once, candidates follow.
      const pending: RTCIceCandidate[] = [];
      let session: { url: string; etag: string } | undefined;
      const flush = () => {
        if (!session || pending.length === 0) return;
        const batch = pending.splice(0);
        const mid = batch[0]?.sdpMid != null ? `a=mid:${batch[0].sdpMid}\r\n` : '';
        void fetch(session.url, {
          method: 'PATCH',
          headers: { ...auth, 'Content-Type': 'application/trickle-ice-sdpfrag', 'If-Match': session.etag },
          body: `${mid}${batch.map((c) => `a=${c.candidate}`).join('\r\n')}\r\n`,
        });
      };
      pc.onicecandidate = (e) => {
        if (e.candidate?.candidate) pending.push(e.candidate);
        flush();
      };
      await pc.setLocalDescription(await pc.createOffer());
      const res = await fetch(`/d/${deviceId}/whep`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/sdp' },
        body: pc.localDescription!.sdp,
      });
      res.headers.forEach((v, k) => {
        headers[k] = v;
      });
      const body = await res.text();
      if (res.status !== 201) {
        pc.close();
        const code = (() => {
          try {
            return (JSON.parse(body) as { code?: string }).code;
          } catch {
            return undefined;
          }
        })();
        return { stateStatus: 200, status: res.status, code, headers, stateBody, framesDecoded: 0 };
      }
      session = { url: res.headers.get('Location')!, etag: res.headers.get('ETag') ?? '*' };
      await pc.setRemoteDescription({ type: 'answer', sdp: body });
      flush();
      const video = document.createElement('video');
      video.muted = true;
      video.playsInline = true;
      document.body.appendChild(video);
      video.srcObject = await track;
      void video.play();
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no frame decoded in time')), o.timeoutMs ?? 20_000);
        video.requestVideoFrameCallback(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      const tapToFrameMs = performance.now() - t0;
      await new Promise((r) => setTimeout(r, 500));
      const stats = await pc.getStats();
      let framesDecoded = 0;
      let pairId: string | undefined;
      // biome-ignore lint/suspicious/noExplicitAny: getStats entries are typed by their `type`
      const byId = new Map<string, any>();
      stats.forEach((s) => {
        byId.set(s.id, s);
        if (s.type === 'inbound-rtp' && s.kind === 'video') framesDecoded += s.framesDecoded ?? 0;
        if (s.type === 'transport') pairId = s.selectedCandidatePairId;
      });
      const pair = pairId ? byId.get(pairId) : undefined;
      const local = pair ? byId.get(pair.localCandidateId) : undefined;
      const remote = pair ? byId.get(pair.remoteCandidateId) : undefined;
      pc.close();
      video.remove();
      await fetch(res.headers.get('Location')!, { method: 'DELETE', headers: auth });
      return {
        stateStatus: 200,
        status: 201,
        headers,
        stateBody,
        tapToFrameMs,
        framesDecoded,
        pair: {
          local: local?.candidateType ?? 'unknown',
          remote: remote?.candidateType ?? 'unknown',
          ...(local?.relayProtocol ? { relayProtocol: local.relayProtocol } : {}),
        },
      };
    },
    { deviceId, token, o: options },
  );
}
