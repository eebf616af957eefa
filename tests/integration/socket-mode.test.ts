/**
 * Socket Mode (SLACK_APP_TOKEN): the local server's Bolt app asks the Slack stand-in for a WebSocket
 * URL (apps.connections.open), connects to a WebSocket server of this test's, and answers a slash
 * command envelope with its ack, through the same listeners as the HTTP path.
 */
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { type Harness, startHarness } from '../helpers/harness';
import { until } from '../helpers/wait';

interface SocketPeer {
  url: string;
  connected: Promise<WebSocket>;
  /** Messages the client sent back (acks), parsed. */
  received: { envelope_id?: string; payload?: { text?: string; response_type?: string } }[];
  close(): Promise<void>;
}

async function startSocketPeer(): Promise<SocketPeer> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const received: SocketPeer['received'] = [];
  const connected = new Promise<WebSocket>((resolve) => {
    server.on('connection', (socket) => {
      socket.on('message', (data) => received.push(JSON.parse(String(data))));
      // What Slack sends first on every Socket Mode connection.
      socket.send(
        JSON.stringify({
          type: 'hello',
          num_connections: 1,
          debug_info: { host: 'local', build_number: 1, approximate_connection_time: 3600 },
          connection_info: { app_id: 'A0LOCAL' },
        }),
      );
      resolve(socket);
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/link`,
    connected,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.close(1000, 'test over');
        server.close(() => resolve());
      }),
  };
}

describe('Socket Mode', () => {
  let peer: SocketPeer;
  let harness: Harness;

  beforeAll(async () => {
    peer = await startSocketPeer();
    harness = await startHarness({ env: { SLACK_APP_TOKEN: 'xapp-1-local' }, socketModeUrl: peer.url });
  });
  afterAll(async () => {
    await harness.close();
    await peer.close();
  });

  it('connects through apps.connections.open and answers a slash command envelope', async () => {
    const socket = await peer.connected;
    expect(harness.slack.callsTo('apps.connections.open')).toHaveLength(1);
    socket.send(
      JSON.stringify({
        envelope_id: 'env-1',
        type: 'slash_commands',
        accepts_response_payload: true,
        payload: {
          token: 'deprecated',
          team_id: 'T0LOCAL',
          channel_id: 'C0GENERAL',
          user_id: 'U0ALICE',
          command: '/incident',
          text: 'open sev2 Declared over Socket Mode',
          api_app_id: 'A0LOCAL',
          trigger_id: 'socket-1',
          response_url: 'https://hooks.slack.com/commands/T0LOCAL/1/x',
        },
      }),
    );
    await until(() => peer.received.some((message) => message.envelope_id === 'env-1'), 5000);
    const ack = peer.received.find((message) => message.envelope_id === 'env-1');
    expect(ack?.payload?.text).toContain('INC-1');
    expect(ack?.payload?.response_type).toBe('in_channel');
    await harness.server.jobs.drain();
    expect((await harness.server.store.getIncident('INC-1'))?.title).toBe('Declared over Socket Mode');
    expect(harness.slack.callsTo('conversations.create').map((call) => call.args.name)).toEqual([
      'inc-1-declared-over-socket-mode',
    ]);
    expect(harness.slack.callsTo('auth.test')).toEqual([]);
  });
});
