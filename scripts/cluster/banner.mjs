// The banner `npm run start:cluster` prints once everything answers: what runs where, and how
// to see the round robin and the shared sessions work.
import path from 'node:path';

/**
 * @param {{ root: string, proxyPort: number, apiPorts: number[], pids: Array<number | undefined>,
 *   auth0Port: number, salesforcePort: number, redisUrl: string, redisDir: string, aof: boolean,
 *   keyPrefix: string, nginxConf: string, clusterDir: string, secretNote: string }} c
 * @returns {string}
 */
export function clusterBanner({
  root,
  proxyPort,
  apiPorts,
  pids,
  auth0Port,
  salesforcePort,
  redisUrl,
  redisDir,
  aof,
  keyPrefix,
  nginxConf,
  clusterDir,
  secretNote,
}) {
  const rel = (p) => path.relative(root, p) + '/';
  const outbox = `https://localhost:${auth0Port}/__emulator/outbox?email=ada.lovelace@example.com`;
  return `
================================================================================================
 Portcullis cluster: nginx -> two API instances sharing state in Redis (development settings)

 Open          http://localhost:${proxyPort}   nginx, round robin over both instances
 Instances     http://127.0.0.1:${apiPorts[0]} (pid ${pids[0]})  http://127.0.0.1:${apiPorts[1]} (pid ${pids[1]})
               REDIS_URL=${redisUrl}  KEY_PREFIX=${keyPrefix}  TRUST_PROXY=loopback
               shared: sessions, refresh locks, revocation; per instance: the limit counters
 Redis         ${redisUrl}  ${
   aof
     ? `append-only file in ${rel(redisDir)} (appendfsync everysec: a crash loses at most ~1 s)`
     : 'NO PERSISTENCE: a restart of Redis ends every session\n               (CLUSTER_REDIS_AOF=1 keeps an append-only file in .local/redis/)'
 }
 Emulators     Auth0 https://localhost:${auth0Port}, Salesforce http://localhost:${salesforcePort} (in this process, both instances use it)
 nginx         config ${path.relative(root, nginxConf)}; access log printed as [nginx] and kept in ${path.relative(root, clusterDir)}/access.log
 Session key   SESSION_SECRETS ${secretNote}

 See it work:
  1. Sign in at http://localhost:${proxyPort} as ada.lovelace@example.com. The code is printed as
     "[emulators] [auth0-emulator] code for …", and listed by
       curl --cacert .local/tls/localhost.pem '${outbox}'
  2. Open http://localhost:${proxyPort}/sessions and reload: the [nginx] lines alternate between
     "-> 127.0.0.1:${apiPorts[0]}" and "-> 127.0.0.1:${apiPorts[1]}", and you stay signed in.
  3. Or with curl (the X-Upstream header names the instance that answered):
       for i in 1 2 3 4; do curl -s -o /dev/null -D - localhost:${proxyPort}/api/health/ready | grep -i x-upstream; done
  4. kill ${pids[0]} stops one instance: nginx sends everything to the other, nobody is signed out.
 Ctrl-C stops everything.
================================================================================================
`;
}
