// The released version (package.json `version`; a test keeps the two equal) and where a release
// lives. `pcq init` pins its workflows to the action at this version; the site and the docs name
// a command that works without a checkout. Version policy: CHANGELOG.md. Imports nothing.
export const PCQ_VERSION = '0.2.0';
/** The repository the released action and package come from. */
export const PCQ_REPOSITORY = 'pcq-org/pcq';
/** The `npm pack` tarball attached to the GitHub release (docs/ADOPTING.md "What a release contains"). */
export const PCQ_RELEASE_TARBALL = `https://github.com/${PCQ_REPOSITORY}/releases/download/v${PCQ_VERSION}/pcq-${PCQ_VERSION}.tgz`;
/** Runs the released CLI without installing it (the npm registry name `pcq` is another package). */
export const PCQ_NPX = `npx -p ${PCQ_RELEASE_TARBALL} pcq`;
