// Preloaded (`node --require`) into the bot processes tests start (tests/helpers/bot-process.ts): when
// the test process is gone (a jest worker killed on timeout, a crash) the bot is re-parented, and it
// must not outlive its test, still listening on a port. (Watching stdin for end-of-file instead hangs
// the process before its first line when tsx's loader is registered with --import.)
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(70);
}, 250).unref();
