/*
 * Entry point (always loaded last): publish the RPC exports and start hooking.
 * Without a host calling init() within a second (plain `frida -l agent.js`), the runtime
 * initializes itself with defaults and prints every event as one JSON line.
 */
rpc.exports = Consentry.rpcExports;
Consentry.start();
