import net from 'node:net';
import { expect } from 'chai';
import type { Powgate } from '../../lib/server.js';
import { FakeRpcPeer } from '../fakes/rpc-peer.js';
import { randomRoot, rpc, startTestPowgate } from '../helpers/powgate.js';

/** Opens a connection, writes `data`, and resolves with all the server sent once the server has closed it. */
function openAndWait(url: string, data: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let got = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (got += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(got));
    socket.on('connect', () => {
      if (data !== '') socket.write(data);
    });
  });
}

describe('receiving a request is bounded (rpc.receive_timeout)', function () {
  this.timeout(60_000);
  let gate: Powgate;
  let peer: FakeRpcPeer;
  before(async () => {
    peer = await new FakeRpcPeer().start();
    gate = await startTestPowgate({ backends: { peer: { type: 'rpc', urls: [peer.url] } }, rpc: { receive_timeout: '1s' } });
  });
  after(async () => {
    await gate.close();
    await peer.close();
  });

  it('closes 1,000 connections that sent headers and no body, each with 408', async () => {
    const head = `POST / HTTP/1.1\r\nHost: powgate\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n`;
    const answers = await Promise.all(Array.from({ length: 1000 }, () => openAndWait(gate.url, head)));
    for (const answer of answers) expect(answer).to.match(/^HTTP\/1\.1 408 /);
  });

  it('closes silent connections, a half-sent header and a trickled body the same way', async () => {
    const answers = await Promise.all([
      openAndWait(gate.url, ''),
      openAndWait(gate.url, 'POST / HTTP/1.1\r\nHost: powgate\r\n'),
      openAndWait(gate.url, 'POST / HTTP/1.1\r\nHost: powgate\r\nContent-Length: 100\r\n\r\n{"action":'),
    ]);
    for (const answer of answers) expect(answer).to.match(/^HTTP\/1\.1 408 /);
  });

  it('does not bound answering: a work_generate slower than the receive timeout is answered', async () => {
    peer.behave('valid', 2500);
    const { status, json } = await rpc(gate.url, { action: 'work_generate', hash: randomRoot(), difficulty: 'ffc0000000000000' });
    expect(status).to.equal(200);
    expect(json.work).to.be.a('string');
  });
});
