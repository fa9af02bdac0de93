'use strict';
// Preload for the Microsoft 365 Agents Playground: `node -r ./scripts/playground/loopback-preload.js …`.
//
// Why: the Playground (and its bundled Application Insights client) listens on all interfaces
// and would try to reach Microsoft's telemetry hosts. Jigsaw's demo and e2e tests must bind only
// to 127.0.0.1 and must not reach the network, so this file, loaded before anything else:
//  1. rewrites every TCP `net.Server#listen` (so http/https/express too) to host 127.0.0.1,
//     whatever form the call takes: listen(), listen(port), listen(port, cb), listen(port, host,
//     backlog, cb), listen(port, backlog, cb), listen({ port, host, … }, cb). Unix-socket / named
//     pipe paths are left alone (they are not network interfaces); listening on an inherited
//     handle or fd is refused because its address cannot be checked;
//  2. rewrites `dgram.Socket#bind` the same way (nothing uses UDP today; this keeps it honest);
//  3. refuses outbound TCP connections to anything but loopback, so telemetry fails at once
//     instead of waiting on DNS, and nothing can leave the machine by accident.
// Plain CommonJS (not TypeScript) because it runs inside the Playground's node process, before
// any loader.

const net = require('node:net');
const dgram = require('node:dgram');

const LOOPBACK = '127.0.0.1';

function isPortLike(value) {
  return typeof value === 'number' || (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)));
}

/** Turns any accepted argument list of Server#listen into one that binds 127.0.0.1. */
function loopbackListenArgs(args) {
  const list = [...args];
  const callback = typeof list[list.length - 1] === 'function' ? list.pop() : undefined;
  const withCallback = (options) => (callback ? [options, callback] : [options]);
  const first = list[0];

  if (first === undefined || first === null) {
    // listen() / listen(cb): Node picks a random port on all interfaces.
    return withCallback({ port: 0, host: LOOPBACK });
  }
  if (typeof first === 'object') {
    if (first._handle || first instanceof net.Server || first instanceof net.Socket || typeof first.fd === 'number') {
      throw new Error('loopback-preload: listening on an existing handle or fd is not allowed (address cannot be checked)');
    }
    if (first.path !== undefined && first.port === undefined) return args; // Unix socket / pipe.
    if (first.handle !== undefined) {
      throw new Error('loopback-preload: listening on an existing handle is not allowed (address cannot be checked)');
    }
    const options = { ...first, host: LOOPBACK };
    delete options.ipv6Only; // meaningless for an IPv4 address, and rejected by some Node versions
    return withCallback(options);
  }
  if (!isPortLike(first)) return args; // listen('/path/to/socket', cb): pipe path.

  // listen(port[, host][, backlog]): the host may be omitted, null or a string; backlog a number.
  const options = { port: Number(first), host: LOOPBACK };
  const rest = list.slice(1);
  if (typeof rest[0] === 'number') options.backlog = rest[0];
  else if (typeof rest[1] === 'number') options.backlog = rest[1];
  return withCallback(options);
}

const originalListen = net.Server.prototype.listen;
net.Server.prototype.listen = function listenOnLoopback(...args) {
  return originalListen.apply(this, loopbackListenArgs(args));
};

const originalBind = dgram.Socket.prototype.bind;
dgram.Socket.prototype.bind = function bindOnLoopback(...args) {
  const list = [...args];
  const callback = typeof list[list.length - 1] === 'function' ? list.pop() : undefined;
  const first = list[0];
  const options =
    first !== null && typeof first === 'object'
      ? { ...first, address: LOOPBACK }
      : { port: first === undefined ? 0 : Number(first), address: LOOPBACK };
  return callback ? originalBind.call(this, options, callback) : originalBind.call(this, options);
};

function isLoopbackHost(host) {
  if (host === undefined || host === null || host === '') return true; // Node defaults to localhost.
  const h = String(host).toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}

/** The connect target, from either a normalised [options, cb] array, an options object, or (port, host). */
function connectTarget(args) {
  let first = args[0];
  if (Array.isArray(first)) first = first[0];
  if (first !== null && typeof first === 'object') return { path: first.path, host: first.host };
  if (isPortLike(first)) return { host: typeof args[1] === 'string' ? args[1] : undefined };
  return { path: first };
}

const refusedHosts = new Set();
const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connectToLoopbackOnly(...args) {
  const target = connectTarget(args);
  if (target.path === undefined && !isLoopbackHost(target.host)) {
    if (!refusedHosts.has(target.host)) {
      refusedHosts.add(target.host);
      process.stderr.write(`loopback-preload: refused outbound connection to ${target.host}\n`);
    }
    const error = Object.assign(new Error(`loopback-preload: outbound connection to ${target.host} refused`), {
      code: 'ECONNREFUSED',
    });
    process.nextTick(() => this.destroy(error));
    return this;
  }
  return originalConnect.apply(this, args);
};

module.exports = { loopbackListenArgs, isLoopbackHost, LOOPBACK };
