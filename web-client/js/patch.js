// patch.js: RFC 6902 JSON Patch, the subset the server sends (add, remove, replace), applied
// in place. The server's patches (version 2, "patches": true) turn the view at `base` into the
// view at `rev`; a client whose rev is not `base` asks for a whole state with {"type":"sync"}.

/** JSON Pointer segment (RFC 6901): ~1 is "/", ~0 is "~". */
function unescape(s) {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}

/**
 * Applies `ops` to `doc` in place. Throws on an operation that does not fit the document
 * (the caller then asks for a whole state).
 */
export function applyPatch(doc, ops) {
  for (const op of ops) {
    const parts = String(op.path).split('/').slice(1).map(unescape);
    if (!parts.length) throw new Error('a patch of the whole view');
    const last = parts.pop();
    let parent = doc;
    for (const p of parts) {
      if (parent === null || typeof parent !== 'object' || !(p in parent)) throw new Error(`no ${op.path}`);
      parent = parent[p];
    }
    if (Array.isArray(parent)) {
      if (op.op === 'add' && last === '-') { parent.push(op.value); continue; }
      const i = Number(last);
      if (!Number.isInteger(i) || i < 0 || i > parent.length) throw new Error(`bad index in ${op.path}`);
      if (op.op === 'add') parent.splice(i, 0, op.value);
      else if (op.op === 'replace' && i < parent.length) parent[i] = op.value;
      else if (op.op === 'remove' && i < parent.length) parent.splice(i, 1);
      else throw new Error(`${op.op} ${op.path} out of range`);
    } else if (parent !== null && typeof parent === 'object') {
      if (op.op === 'add' || op.op === 'replace') parent[last] = op.value;
      else if (op.op === 'remove') delete parent[last];
      else throw new Error(`unknown op ${op.op}`);
    } else {
      throw new Error(`${op.path} is inside a value that is neither object nor array`);
    }
  }
  return doc;
}
