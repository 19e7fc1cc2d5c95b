// A minimal CSMS on the `ocpp-rpc` library (Node.js) in strict mode: every CALL and every
// answer, in both directions, is validated against the OCPP 2.0.1 schemas by that library's
// own validator (ajv), not by the station's code or the Python `ocpp` package. It accepts
// one station (identity and Basic-auth password from the environment) and one card, answers
// what a session needs, and after the boot sends the station a few CALLs of its own.
// Every event is one JSON line on stdout; `tools/interop/ocpp_rpc.py` reads them.
//
// Environment: PORT, IDENTITY, PASSWORD, CARD, OCPP_RPC_DIR (where ocpp-rpc is installed).

import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(path.join(process.env.OCPP_RPC_DIR, 'package.json'));
const { RPCServer, createRPCError } = require('ocpp-rpc');

const { PORT, IDENTITY, PASSWORD, CARD } = process.env;

function emit(event, fields = {}) {
  process.stdout.write(JSON.stringify({ event, ...fields }) + '\n');
}

const server = new RPCServer({
  protocols: ['ocpp2.0.1'],
  strictMode: true,
  respondWithDetailedErrors: true,
});

server.on('error', (err) => emit('error', { where: 'server', message: String(err) }));

server.auth((accept, reject, handshake) => {
  const password = handshake.password ? handshake.password.toString('utf8') : null;
  if (handshake.identity !== IDENTITY || password !== PASSWORD) {
    emit('auth_rejected', { identity: handshake.identity });
    reject(401, 'unknown station or wrong password');
    return;
  }
  accept({}, 'ocpp2.0.1');
});

const now = () => new Date().toISOString();
const idTokenInfo = (idToken) => ({
  status: idToken && idToken.idToken === CARD ? 'Accepted' : 'Invalid',
});

const handlers = {
  BootNotification: () => ({ currentTime: now(), interval: 300, status: 'Accepted' }),
  Heartbeat: () => ({ currentTime: now() }),
  StatusNotification: () => ({}),
  SecurityEventNotification: () => ({}),
  NotifyEvent: () => ({}),
  NotifyReport: () => ({}),
  MeterValues: () => ({}),
  LogStatusNotification: () => ({}),
  FirmwareStatusNotification: () => ({}),
  Authorize: ({ params }) => ({ idTokenInfo: idTokenInfo(params.idToken) }),
  TransactionEvent: ({ params }) => (params.idToken ? { idTokenInfo: idTokenInfo(params.idToken) } : {}),
};

// What the CSMS asks once the station is accepted: each answer is validated too.
const requests = [
  [
    'GetVariables',
    {
      getVariableData: [
        { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } },
        { component: { name: 'TxCtrlr' }, variable: { name: 'TxStartPoint' } },
      ],
    },
  ],
  [
    'SetVariables',
    {
      setVariableData: [
        {
          component: { name: 'TxCtrlr' },
          variable: { name: 'EVConnectionTimeOut' },
          attributeValue: '150',
        },
      ],
    },
  ],
  ['TriggerMessage', { requestedMessage: 'Heartbeat' }],
  ['GetBaseReport', { requestId: 7, reportBase: 'SummaryInventory' }],
];

server.on('client', (client) => {
  emit('connected', { identity: client.identity });
  let asked = false;
  for (const [method, handler] of Object.entries(handlers)) {
    client.handle(method, async (call) => {
      const reply = handler(call);
      emit('call', { method, params: call.params, reply });
      if (method === 'BootNotification' && !asked) {
        asked = true;
        // After the answer is on its way: the station handles one CALL at a time.
        setTimeout(() => askStation(client), 500);
      }
      return reply;
    });
  }
  client.handle(({ method }) => {
    emit('unexpected_call', { method });
    throw createRPCError('NotImplemented', `${method} is not handled by this test CSMS`);
  });
  client.on('badMessage', ({ buffer, error }) =>
    emit('error', { where: 'badMessage', message: String(error), frame: String(buffer) }),
  );
  client.on('close', ({ code }) => emit('closed', { code }));
});

async function askStation(client) {
  for (const [method, params] of requests) {
    try {
      const reply = await client.call(method, params);
      emit('asked', { method, reply });
    } catch (err) {
      emit('error', { where: method, message: String(err), details: err.details ?? null });
    }
  }
  emit('asked_all');
}

const httpServer = await server.listen(Number(PORT), '127.0.0.1');
emit('listening', { port: httpServer.address().port });
process.on('SIGTERM', async () => {
  await server.close({ code: 1001, awaitPending: false });
  process.exit(0);
});
