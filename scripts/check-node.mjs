// Guard: `npm ci --ignore-scripts` leaves no Node 24 in node_modules/.bin, and npm scripts then
// fall back to the machine's older Node without a word (TOOLCHAIN.md). Fail loudly instead.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.error(`PCQ_NODE_TOO_OLD: npm scripts are running on Node ${process.versions.node}; pcq needs Node >= 22.`);
  console.error('Run `npm ci` (with install scripts) so the node@24 devDependency provides Node 24.');
  process.exit(2); // class usage (docs/ERRORS.md)
}
