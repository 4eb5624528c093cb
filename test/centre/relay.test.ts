import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCentreConfig } from '../../src/centre/load.ts';
import { deviceTopics, type WhepRelayRequest } from '../../src/protocol/index.ts';
import { type FakeDevice, fakeDevice, type RelayLab, startRelayLab } from './relayHarness.ts';

const SESSION = 'S'.repeat(24);
const OFFER = 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n';

let lab: RelayLab;
let device: FakeDevice;
const seen: WhepRelayRequest[] = [];

beforeAll(async () => {
  lab = await startRelayLab();
  device = await fakeDevice(lab, 'dev-relay-1', async (request) => {
    seen.push(request);
    if (request.route === 'offer') {
      return {
        status: 201,
        headers: { location: `/whep/${SESSION}`, etag: '"e1"', 'content-type': 'application/sdp' },
        body: 'v=0\r\nanswer',
      };
    }
    if (request.route === 'state') {
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: '{"deviceLabel":"Rum 4"}',
      };
    }
    if (request.token !== 'good') {
      return { status: 401, headers: { 'content-type': 'application/json' }, body: '{"code":"bad_token"}' };
    }
    return { status: request.route === 'trickle' ? 204 : 200, headers: {}, body: '' };
  });
  await device.goOnline();
  await waitFor(() => lab.centre.broker.presence('dev-relay-1') === 'online');
});

afterAll(async () => {
  await device?.stop();
  await lab?.dispose();
});

const post = (deviceId: string, token = 'good') =>
  fetch(`${lab.centre.url}/d/${deviceId}/whep`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${token}` },
    body: OFFER,
  });

describe('the centre relays WHEP to a device over MQTT 5', () => {
  it('relays_an_offer_with_the_token_as_received_and_signs_the_session_url', async () => {
    const res = await post('dev-relay-1', 'good');
    expect(res.status).toBe(201);
    const location = res.headers.get('location')!;
    expect(location).toMatch(new RegExp(`^/d/dev-relay-1/whep/${SESSION}\\.[A-Za-z0-9_-]{22}$`));
    expect(res.headers.get('etag')).toBe('"e1"');
    expect(await res.text()).toBe('v=0\r\nanswer');
    const request = seen.at(-1)!;
    expect(request).toMatchObject({ route: 'offer', token: 'good', body: OFFER, deviceId: 'dev-relay-1' });
    // The same TURN credential goes to the device (signed request) and, after the grant, the browser.
    expect(request.iceServers?.[0]?.username).toMatch(/^\d+:[A-Za-z0-9_-]+$/);
    expect(res.headers.get('link')).toContain(`username="${request.iceServers?.[0]?.username}"`);
  });

  it('routes_patch_and_delete_through_the_signed_session_url', async () => {
    const location = (await post('dev-relay-1')).headers.get('location')!;
    const patch = await fetch(`${lab.centre.url}${location}`, {
      method: 'PATCH',
      headers: {
        'Content-Type': 'application/trickle-ice-sdpfrag',
        'If-Match': '"e1"',
        Authorization: 'Bearer good',
      },
      body: 'a=mid:0\r\n',
    });
    expect(patch.status).toBe(204);
    expect(seen.at(-1)).toMatchObject({ route: 'trickle', sessionId: SESSION, ifMatch: '"e1"' });
    const del = await fetch(`${lab.centre.url}${location}`, {
      method: 'DELETE',
      headers: { Authorization: 'Bearer good' },
    });
    expect(del.status).toBe(200);
    expect(seen.at(-1)).toMatchObject({ route: 'end', sessionId: SESSION });
  });

  it('answers_a_forged_session_url_404_without_asking_the_device', async () => {
    const before = device.requests;
    const res = await fetch(`${lab.centre.url}/d/dev-relay-1/whep/${SESSION}.AAAAAAAAAAAAAAAAAAAAAA`, {
      method: 'DELETE',
      headers: { Authorization: 'Bearer good' },
    });
    expect(res.status).toBe(404);
    expect(device.requests).toBe(before);
  });

  it('sends_no_turn_credential_with_a_refusal', async () => {
    const location = (await post('dev-relay-1')).headers.get('location')!;
    const res = await fetch(`${lab.centre.url}${location}`, {
      method: 'DELETE',
      headers: { Authorization: 'Bearer bad' },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('link')).toBeNull();
    expect(await res.text()).not.toMatch(/turn|credential/i);
  });

  it('adds_ice_servers_to_the_window_state_only_after_the_device_answered_200', async () => {
    const res = await fetch(`${lab.centre.url}/d/dev-relay-1/api/state`, {
      headers: { Authorization: 'Bearer good' },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { deviceLabel: string; iceServers: { urls: string[] }[] };
    expect(body.deviceLabel).toBe('Rum 4');
    expect(body.iceServers[0]!.urls).toEqual(['turn:198.51.100.1:3478?transport=udp']);
  });

  it('answers_503_device_offline_at_once_for_a_device_without_online_status', async () => {
    const started = performance.now();
    const res = await post('dev-absent-9');
    expect(res.status).toBe(503);
    expect(((await res.json()) as { code: string }).code).toBe('device_offline');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('answers_504_when_an_online_device_does_not_answer', async () => {
    const mute = await fakeDevice(
      lab,
      'dev-mute-2',
      async () => ({ status: 200, headers: {}, body: '' }),
      false,
    );
    await mute.goOnline();
    await waitFor(() => lab.centre.broker.presence('dev-mute-2') === 'online');
    const res = await post('dev-mute-2');
    expect(res.status).toBe(504);
    expect(((await res.json()) as { code: string }).code).toBe('device_timeout');
    await mute.stop();
  });

  it('refuses_a_token_in_the_query_string', async () => {
    const res = await fetch(`${lab.centre.url}/d/dev-relay-1/whep?access_token=abc`, { method: 'POST' });
    expect(res.status).toBe(400);
  });
});

describe('the device refuses relayed requests it cannot match to a live centre request', () => {
  it('refuses_and_audits_a_request_published_by_another_client', async () => {
    const rogue = await mqtt.connectAsync(lab.broker.url, { protocolVersion: 5, clientId: 'rogue-1' });
    const topics = deviceTopics('dev-relay-1');
    const before = device.requests;
    await rogue.publishAsync(topics.whepRequest, 'eyJhbGciOiJub25lIn0.e30.', {
      qos: 1,
      properties: {
        responseTopic: topics.whepResponse('rogue-1'),
        correlationData: Buffer.from('R'.repeat(24)),
        messageExpiryInterval: 5,
      },
    });
    await waitFor(() => device.refusals.includes('relay_unsigned'));
    expect(device.requests).toBe(before);
    await rogue.endAsync();
  });

  it('refuses_a_replayed_request_and_a_retained_one', async () => {
    const spy = await mqtt.connectAsync(lab.broker.url, { protocolVersion: 5, clientId: 'spy-1' });
    const topics = deviceTopics('dev-relay-1');
    await spy.subscribeAsync(topics.whepRequest, { qos: 1 });
    const captured = new Promise<{ payload: Buffer; properties: mqtt.IPublishPacket['properties'] }>(
      (resolve) =>
        spy.once('message', (_t, payload, packet) => resolve({ payload, properties: packet.properties })),
    );
    await post('dev-relay-1');
    const { payload, properties: p } = await captured;
    const properties = {
      responseTopic: p?.responseTopic,
      correlationData: p?.correlationData,
      messageExpiryInterval: 5,
    };
    const before = device.requests;
    await spy.publishAsync(topics.whepRequest, payload, { qos: 1, properties });
    await waitFor(() => device.refusals.includes('relay_replayed'));
    await spy.publishAsync(topics.whepRequest, payload, { qos: 1, retain: true, properties });
    // A retained request reaches a device when it (re)subscribes, as after every reconnect.
    await device.client.unsubscribeAsync(topics.whepRequest);
    await device.client.subscribeAsync(topics.whepRequest, { qos: 1 });
    await waitFor(() => device.refusals.includes('relay_retained'));
    await spy.publishAsync(topics.whepRequest, '', { qos: 1, retain: true });
    expect(device.requests).toBe(before);
    await spy.endAsync();
  });

  it('refuses_a_request_whose_answer_would_leave_its_own_subtree', async () => {
    const spy = await mqtt.connectAsync(lab.broker.url, { protocolVersion: 5, clientId: 'spy-2' });
    await spy.publishAsync(deviceTopics('dev-relay-1').whepRequest, 'x', {
      qos: 1,
      properties: {
        responseTopic: 'nattsyn/v1/dev-other-3/whep/res/centre-test',
        correlationData: Buffer.from('C'.repeat(24)),
        messageExpiryInterval: 5,
      },
    });
    await waitFor(() => device.refusals.includes('relay_bad_response_topic'));
    await spy.endAsync();
  });
});

describe('the centre config', () => {
  it('refuses_a_secret_file_readable_by_every_user', async () => {
    await chmod(join(lab.dir, 'turn.secret'), 0o644);
    await expect(loadCentreConfig(join(lab.dir, 'centre.json'))).rejects.toThrow(
      /turn\.secretFile: .*too open for a secret/,
    );
    await chmod(join(lab.dir, 'turn.secret'), 0o600);
  });

  it('lists_every_problem_as_path_and_message', async () => {
    await writeFile(join(lab.dir, 'bad.json'), JSON.stringify({ mqtt: { url: 'mqtt://203.0.113.5:1883' } }));
    await expect(loadCentreConfig(join(lab.dir, 'bad.json'))).rejects.toThrow(
      /keyFile: .*\n(.|\n)*mqtt\.url: plain mqtt:\/\/ is only for a broker on this machine(.|\n)*relay: /,
    );
  });
});

async function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
