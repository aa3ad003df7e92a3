// Loaded with `node --import` into the gateway process `refdiff bench platform` starts (gateway-process.ts): counts
// the SQL statements the gateway sends (every node-postgres Client#query, as the in-process count does) and answers
// the bench's IPC `sample` messages with that count and the process's CPU time. Nothing else changes in the gateway.
import pg from 'pg';

const proto = pg.Client.prototype;
const original = proto.query;
let statements = 0;
proto.query = function (...args) {
  statements++;
  return original.apply(this, args);
};
process.on('message', (m) => {
  if (m && m.type === 'sample') process.send?.({ type: 'sample', id: m.id, sqlStatements: statements, cpu: process.cpuUsage() });
});
// The IPC channel must not keep a stopped gateway alive.
process.channel?.unref();
