// openapi-typescript (used by @roster/server's tests to generate types from the served OpenAPI document)
// prints its output with TypeScript 5's compiler API, which the repository's TypeScript 7 (native) no
// longer has. It gets a TypeScript 5 of its own instead of sharing the workspace's as a peer.
module.exports = {
  hooks: {
    readPackage(pkg) {
      if (pkg.name === 'openapi-typescript') {
        delete pkg.peerDependencies?.typescript;
        pkg.dependencies = { ...pkg.dependencies, typescript: '5.9.3' };
      }
      return pkg;
    },
  },
};
