class Loader {
  constructor(text) {
    this.value = JSON.parse(text);
  }
}

async function load(text) {
  await null;
  try {
    return new Loader(text).value;
  } catch (err) {
    throw new Error('config load failed', { cause: err });
  }
}

module.exports = { load };
