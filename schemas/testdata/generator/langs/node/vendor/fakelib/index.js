// A stand-in for a dependency installed from npm: it lives in node_modules.
exports.each = function each(items, fn) {
  for (const item of items) {
    fn(item);
  }
};
