// A bot, the way a script drives WeTalk: it starts `wetalk serve`, joins
// with two `wetalk chat --json` processes, and talks to them in JSON lines
// over stdin/stdout, as shared/spec/cli.md describes. Run with
// `node --test tests/bot/` after building build/bin/wetalk-headless.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const bin = process.env.WETALK_BIN ?? 'build/bin/wetalk-headless';

// run starts the binary and returns a handle whose next(type) resolves with
// the next JSON event of that type (others are kept in `seen`).
function run(args) {
  const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const queue = [];
  const waiters = [];
  const seen = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    const ev = JSON.parse(line); // every stdout line must be JSON
    seen.push(ev);
    queue.push(ev);
    pump();
  });
  function pump() {
    for (let i = 0; i < waiters.length; i++) {
      const w = waiters[i];
      const at = queue.findIndex((ev) => ev.type === w.type);
      if (at >= 0) {
        const [ev] = queue.splice(0, at + 1).slice(-1);
        waiters.splice(i--, 1);
        w.resolve(ev);
      }
    }
  }
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    seen,
    exited,
    next(type) {
      return new Promise((resolve) => {
        waiters.push({ type, resolve });
        pump();
      });
    },
    send(cmd) {
      child.stdin.write(JSON.stringify(cmd) + '\n');
    },
    end() {
      child.stdin.end();
    },
    kill(sig) {
      child.kill(sig);
    },
  };
}

test('a bot chats through wetalk serve and wetalk chat --json', { timeout: 60_000 }, async () => {
  const state = mkdtempSync(join(tmpdir(), 'wetalk-bot-'));
  const host = run(['serve', '--listen', '127.0.0.1:0', '--state-dir', join(state, 'host'), '--name-of-room', 'Bot room']);
  const listening = await host.next('listening');
  assert.match(listening.invite, /^wetalk:\/\/127\.0\.0\.1:\d+\/#[a-z2-7]{26}$/);

  const echo = run(['chat', '--json', '--name', 'EchoBot', '--invite', listening.invite, '--state-dir', join(state, 'echo')]);
  const welcome = await echo.next('welcome');
  assert.equal(welcome.name, 'EchoBot');
  assert.equal(welcome.leader, 'EchoBot');
  assert.equal(welcome.room, 'Bot room');

  const user = run(['chat', '--json', '--name', 'EchoBot', '--addr', listening.addr, '--pin', listening.fingerprint, '--state-dir', join(state, 'user')]);
  assert.equal((await user.next('welcome')).name, 'EchoBot#2');
  assert.equal((await echo.next('joined')).name, 'EchoBot#2');

  // The user asks; the bot answers every message that is not its own.
  user.send({ cmd: 'send', text: 'ping 你好', ref: 'q1' });
  const ack = await user.next('ack');
  assert.equal(ack.ref, 'q1');
  const heard = await echo.next('message');
  assert.equal(heard.text, 'ping 你好');
  assert.equal(heard.from, 'EchoBot#2');
  assert.equal(heard.history, false);
  echo.send({ cmd: 'send', text: `pong: ${heard.text}`, ref: 'a1' });
  let reply;
  do {
    reply = await user.next('message');
  } while (reply.from !== 'EchoBot');
  assert.equal(reply.text, 'pong: ping 你好');

  // A private message reaches only its recipient.
  echo.send({ cmd: 'dm', to: 'echobot#2', text: 'secret', ref: 'd1' });
  const dm = await user.next('message');
  assert.deepEqual([dm.to, dm.text], ['EchoBot#2', 'secret']);

  // Refusals come back as error events with the command's ref.
  user.send({ cmd: 'kick', name: 'EchoBot', ref: 'k1' });
  const err = await user.next('error');
  assert.deepEqual([err.code, err.ref], ['not_leader', 'k1']);

  // End of input: the bot leaves cleanly and exits 0; the user is told and leads.
  echo.end();
  assert.equal(await echo.exited, 0);
  const left = await user.next('left');
  assert.deepEqual([left.name, left.reason], ['EchoBot', 'left']);
  assert.equal((await user.next('leader')).name, 'EchoBot#2');

  // SIGTERM to the host: members hear the room closed; serve exits 0.
  host.kill('SIGTERM');
  assert.ok((await user.next('closed')).reason);
  assert.notEqual(await user.exited, 0);
  assert.equal(await host.exited, 0);
  assert.equal(host.seen.length, 1, 'serve prints exactly one line on stdout');
});
