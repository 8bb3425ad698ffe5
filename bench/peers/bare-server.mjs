// The limit of bench:peers' load: a bare node:http server, in a process of its own like every other target, that
// reads the whole body and answers the fixed bytes given in base64 as argv[3] on port argv[2].
import { createServer } from 'node:http';

const answer = Buffer.from(process.argv[3], 'base64');
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'text/xml; charset=GBK', 'content-length': answer.length }).end(answer));
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.argv[2]), '127.0.0.1');
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
