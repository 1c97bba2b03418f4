/**
 * A stand-in for an image registry (the distribution API v2, over plain
 * HTTP on 127.0.0.1, which Docker engines treat as an insecure registry by
 * default): it says it has every layer already, as a registry holding the
 * base image would, and takes (and drops) whatever an engine uploads all the
 * same; it keeps the image's manifest.
 * No registry image can be pulled on the test machine.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';

export interface FakeRegistry {
  /** `127.0.0.1:PORT` */
  host: string;
  /** Manifests pushed, by `name:tag`, with their digest. */
  manifests: Map<string, { digest: string; body: string }>;
  /** The X-Registry-Auth-derived Authorization headers seen (none for an anonymous push). */
  authorizations: string[];
  /** METHOD /path?query of every request, for a failure's message. */
  requests: string[];
  close(): Promise<void>;
}

export async function startFakeRegistry(): Promise<FakeRegistry> {
  const manifests = new Map<string, { digest: string; body: string }>();
  const authorizations: string[] = [];
  let uploads = 0;
  const requests: string[] = [];
  const server: Server = createServer(async (req, res) => {
    // Layer bytes are counted and dropped, never held.
    let body = '';
    let size = 0;
    const keep = req.method === 'PUT' && req.url?.includes('/manifests/');
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (keep) body += chunk.toString();
    }
    if (req.headers.authorization) authorizations.push(req.headers.authorization);
    const url = new URL(req.url ?? '/', 'http://registry');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    const blob = /^\/v2\/(.+)\/blobs\/(sha256:[0-9a-f]{64})$/.exec(url.pathname);
    const manifest = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname);
    const start = /^\/v2\/(.+)\/blobs\/uploads\/?$/.exec(url.pathname);
    const upload = /^\/v2\/(.+)\/blobs\/uploads\/([0-9]+)$/.exec(url.pathname);
    const mounted = url.searchParams.get('mount');
    if (start && req.method === 'POST' && mounted) return res.writeHead(201, { Location: `/v2/${start[1]}/blobs/${mounted}`, 'Docker-Content-Digest': mounted, 'Content-Length': '0' }).end();
    if (start && req.method === 'POST') {
      const uuid = String(++uploads);
      return res.writeHead(202, { Location: `/v2/${start[1]}/blobs/uploads/${uuid}`, 'Docker-Upload-UUID': uuid, Range: '0-0', 'Content-Length': '0' }).end();
    }
    if (upload && req.method === 'PATCH') return res.writeHead(202, { Location: `/v2/${upload[1]}/blobs/uploads/${upload[2]}`, 'Docker-Upload-UUID': upload[2]!, Range: `0-${Math.max(0, size - 1)}`, 'Content-Length': '0' }).end();
    if (upload && req.method === 'PUT') {
      const digest = url.searchParams.get('digest') ?? '';
      return res.writeHead(201, { Location: `/v2/${upload[1]}/blobs/${digest}`, 'Docker-Content-Digest': digest, 'Content-Length': '0' }).end();
    }
    if (url.pathname === '/v2/' || url.pathname === '/v2') return res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    if (blob && (req.method === 'HEAD' || req.method === 'GET')) return res.writeHead(200, { 'Content-Length': '0', 'Docker-Content-Digest': blob[2] }).end();
    if (manifest && req.method === 'PUT') {
      const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
      manifests.set(`${manifest[1]}:${manifest[2]}`, { digest, body });
      return res.writeHead(201, { 'Docker-Content-Digest': digest, Location: `/v2/${manifest[1]}/manifests/${digest}` }).end();
    }
    if (manifest) return res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
    res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'UNSUPPORTED', message: `${req.method} ${url.pathname}` }] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    host: `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    manifests,
    authorizations,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
