/**
 * Crash safety of the control plane's state (`--state-dir`): `edgefront serve` is killed with
 * SIGKILL while API changes are in flight and started again on the same state directory; every
 * change it had acknowledged is still there with its ETag, and the node serves. A state file it
 * cannot read stops it from starting, with the file named.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import {
  CreateDistributionCommand,
  GetDistributionCommand,
  ListDistributionsCommand,
  UpdateDistributionCommand,
} from '@aws-sdk/client-cloudfront';
import { simpleConfig, tempDir, writeYaml } from '../../helpers/config.js';
import { type ApiEdge, apiDistributionConfig, startApiEdge } from '../../helpers/control-api.js';
import { httpRequest } from '../../helpers/http.js';
import { startOrigin } from '../../helpers/origin.js';

const ROUNDS = 4;

const config = (originPort: number, callerReference: string, Comment: string) =>
  apiDistributionConfig(originPort, callerReference, { Comment });

/** Everything the API acknowledged (answered 2xx) before the crash. */
interface Acknowledged {
  /** Created distributions: id → ETag and domain. */
  created: Map<string, { etag: string; domain: string }>;
  /** The update chain's distribution and its last acknowledged ETag and Comment. */
  chain: { id: string; etag: string; comment: string };
  /** The Comment of the update in flight when the server died (it may or may not have landed). */
  inFlightComment?: string;
}

/**
 * Runs `writers` CreateDistribution loops and one UpdateDistribution chain until the server
 * dies, killing it by PID once `killAfter` more changes have been acknowledged.
 */
async function changeUntilKilled(
  api: ApiEdge,
  originPort: number,
  acked: Acknowledged,
  round: number,
  killAfter: number,
): Promise<void> {
  let dead = false;
  let count = 0;
  let killed!: () => void;
  const kill = new Promise<void>((resolve) => {
    killed = resolve;
  });
  const acknowledge = () => {
    if (++count === killAfter) {
      process.kill(api.edge.pid, 'SIGKILL');
      dead = true;
      killed();
    }
  };
  const creator = async (writer: number) => {
    for (let i = 0; !dead; i++) {
      const ref = `crash-${round}-${writer}-${i}`;
      try {
        const out = await api.cf.send(
          new CreateDistributionCommand({ DistributionConfig: config(originPort, ref, ref) }),
        );
        acked.created.set(out.Distribution?.Id as string, {
          etag: out.ETag as string,
          domain: out.Distribution?.DomainName as string,
        });
        acknowledge();
      } catch (err) {
        if (!dead) throw err;
      }
    }
  };
  const updater = async () => {
    for (let i = 0; !dead; i++) {
      const comment = `chain ${round}.${i}`;
      acked.inFlightComment = comment;
      try {
        const out = await api.cf.send(
          new UpdateDistributionCommand({
            Id: acked.chain.id,
            IfMatch: acked.chain.etag,
            DistributionConfig: config(originPort, 'crash-chain', comment),
          }),
        );
        acked.chain = { id: acked.chain.id, etag: out.ETag as string, comment };
        acked.inFlightComment = undefined;
        acknowledge();
      } catch (err) {
        if (!dead) throw err;
      }
    }
  };
  await Promise.all([creator(0), creator(1), creator(2), updater(), kill]);
}

/** After a restart: every acknowledged change is there with its ETag, and the node serves them. */
async function assertNothingLost(api: ApiEdge, acked: Acknowledged, stateFile: string): Promise<void> {
  JSON.parse(await readFile(stateFile, 'utf8'));
  const list = await api.cf.send(new ListDistributionsCommand({ MaxItems: 1000 }));
  const listed = new Map((list.DistributionList?.Items ?? []).map((d) => [d.Id, d.ETag]));
  for (const [id, { etag }] of acked.created) {
    assert.equal(listed.get(id), etag, `acknowledged distribution ${id}`);
    const got = await api.cf.send(new GetDistributionCommand({ Id: id }));
    assert.equal(got.ETag, etag);
  }
  // The chain holds its last acknowledged update, or the one in flight if that reached the disk.
  const chain = await api.cf.send(new GetDistributionCommand({ Id: acked.chain.id }));
  const comment = chain.Distribution?.DistributionConfig?.Comment;
  if (chain.ETag === acked.chain.etag) assert.equal(comment, acked.chain.comment);
  else assert.equal(comment, acked.inFlightComment, 'an update nobody sent');
  acked.chain.etag = chain.ETag as string;
  acked.chain.comment = comment as string;
  const [someId, some] = [...acked.created][acked.created.size - 1];
  const res = await httpRequest(api.edge.url('/after-crash'), { headers: { host: some.domain } });
  assert.equal(res.status, 200, `${someId}: ${res.body}`);
  assert.equal(res.body, 'origin saw /after-crash');
}

test('a crash at any moment loses no acknowledged change', async (t) => {
  const origin = await startOrigin((req, res) => res.end(`origin saw ${req.url}`));
  const dir = await tempDir();
  t.after(async () => {
    await origin.close();
    await dir.remove();
  });
  const configFile = await writeYaml(dir.dir, 'edgefront.yaml', simpleConfig(origin.port));
  const stateDir = join(dir.dir, 'state');
  const stateFile = join(stateDir, 'control', 'state.json');
  const start = async () => {
    const api = await startApiEdge(['--config', configFile, '--state-dir', stateDir]);
    t.after(() => api.edge.close());
    return api;
  };
  let api = await start();
  const first = await api.cf.send(
    new CreateDistributionCommand({ DistributionConfig: config(origin.port, 'crash-chain', 'chain start') }),
  );
  const acked: Acknowledged = {
    created: new Map(),
    chain: { id: first.Distribution?.Id as string, etag: first.ETag as string, comment: 'chain start' },
  };
  for (let round = 0; round < ROUNDS; round++) {
    // Kill after a random number of acknowledgements, so the crash lands anywhere in a write.
    const killAfter = 2 + Math.floor(Math.random() * 10);
    await changeUntilKilled(api, origin.port, acked, round, killAfter);
    await api.edge.close();
    api = await start();
    await assertNothingLost(api, acked, stateFile);
    t.diagnostic(
      `round ${round}: killed after ${killAfter} acknowledgements, ${acked.created.size} created so far`,
    );
  }
  assert.ok(acked.created.size >= ROUNDS);
});

test('serve refuses to start on a state file it cannot read, naming the file, rather than start empty', async (t) => {
  const dir = await tempDir();
  t.after(() => dir.remove());
  const configFile = await writeYaml(dir.dir, 'edgefront.yaml', simpleConfig(1024));
  const stateDir = join(dir.dir, 'state');
  const stateFile = join(stateDir, 'control', 'state.json');
  await mkdir(dirname(stateFile), { recursive: true });
  await writeFile(stateFile, '{"format":1,"version":3,"distributions":{"E1');
  await assert.rejects(startApiEdge(['--config', configFile, '--state-dir', stateDir]), (err: Error) => {
    assert.match(err.message, /exited with 1 before listening/);
    assert.ok(err.message.includes(stateFile), err.message);
    assert.match(err.message, /is not valid JSON/);
    assert.match(err.message, /move it away to start with an empty state/);
    assert.doesNotMatch(err.message, /\n\s+at /, 'a stack trace instead of a message');
    return true;
  });
  // The state file is left as it was, for the operator to recover.
  assert.equal(await readFile(stateFile, 'utf8'), '{"format":1,"version":3,"distributions":{"E1');
});
