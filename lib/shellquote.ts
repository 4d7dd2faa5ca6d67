// Quoting values for the shell that runs a `shell: true` tool (POSIX sh, cmd.exe) and filling them into its command string.

export type ShellKind = "posix" | "cmd";

/** How a shell tool's command string is started on Windows: /s strips the outer quotes we add, /d skips AutoRun. */
export const CMD_SHELL = ["cmd.exe", "/d", "/s", "/c"] as const;

/**
 * The placeholders of a tool's argv template: {src} and {dst}, {state} (the run's state directory) and {run} (its id),
 * and for remote ends {src_host} {dst_host} {src_port} {dst_port} {src_ssh} {dst_ssh} {src_rsh} {dst_rsh} {port}; all filled in one pass.
 */
export const PLACEHOLDER = /\{(src|dst|state|run|(?:src|dst)_(?:host|port|ssh|rsh)|port)\}/g;

export function shellFor(platform: string): ShellKind {
  return platform === "win32" ? "cmd" : "posix";
}

/** A placeholder that cannot be quoted where it stands in the template; config.ts turns it into a located config error. */
export class ShellTemplateError extends Error {}

/** Characters that mean nothing to sh; `=` is left out so a value can never turn a command word into an assignment. */
const POSIX_PLAIN = /^[A-Za-z0-9_@%+:,./-]+$/;

/** One sh word that stands for exactly `value`: bare when plain, else in single quotes with each ' written as '\''. */
export function quotePosix(value: string): string {
  return POSIX_PLAIN.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

const CMD_PLAIN = /^[A-Za-z0-9_@+:./\\-]+$/;

/**
 * One word of a `cmd /d /s /c` command line that the program it starts receives as exactly `value`.
 * Two layers: the program's own argv parser (MSVCRT / CommandLineToArgvW) gets "value" with embedded
 * quotes doubled ("") and backslashes doubled where they precede a quote or the closing quote; then every
 * cmd.exe metacharacter, the quotes included, is ^-escaped: ( ) % ! ^ " < > & |. Escaping the quotes keeps
 * cmd out of its quoted mode, in which it would keep the carets literally.
 * Limits (not testable here, no Windows): relies on cmd's command-line rules, where ^%NAME^% is not a
 * variable reference and delayed expansion (!) is off unless cmd was started with /v:on; a line break cannot
 * be passed through cmd at all (refused); the value must not stand inside quotes written in the template
 * (refused by fillShell); as the command name itself (first word) it relies on cmd reading the ^-escaped quotes.
 */
export function quoteCmd(value: string): string {
  if (/[\r\n\0]/.test(value)) throw new ShellTemplateError(`cmd.exe cannot pass a value containing a line break: ${JSON.stringify(value)}`);
  if (CMD_PLAIN.test(value)) return value;
  const argv = `"${value.replace(/(\\*)"/g, '$1$1""').replace(/(\\+)$/, "$1$1")}"`;
  return argv.replace(/[()%!^"<>&|]/g, "^$&");
}

type Frame = "sq" | "dq" | "cmdsub" | "paren" | "bq" | "brace";

const FRAME_NAMES: Record<Frame | "heredoc" | "unbalanced", string> = {
  sq: "single quotes",
  dq: "double quotes",
  cmdsub: "$(...)",
  paren: "( )",
  bq: "backticks (write $(...) instead)",
  brace: "a ${...} expansion",
  heredoc: "a here-document (<<)",
  unbalanced: "unbalanced parentheses",
};

/**
 * Replaces each match of `pattern` in a shell command template by valueOf(match), quoted for the spot it
 * stands in, so a template may write {dst} bare, '{dst}' or "{dst}/" and every value stays one literal word:
 * bare (or inside $(...)) it becomes quotePosix(value); inside '...' its ' are written '\''; inside "..." its
 * $ ` " \ get a backslash. Spots whose quoting this scanner cannot be sure of are refused with a
 * ShellTemplateError: inside backticks, a ${...} expansion, after a here-document, or after a ')' that closes
 * nothing. Known limit: a `case` pattern's lone ')' inside $(...) closes the $( for this scanner.
 * Only the matched placeholders are touched; a plain $VAR the user wrote is left to the shell.
 */
export function fillShell(template: string, pattern: RegExp, valueOf: (m: RegExpExecArray) => string, shell: ShellKind): string {
  return shell === "cmd" ? fillCmd(template, pattern, valueOf) : fillPosix(template, pattern, valueOf);
}

function sticky(pattern: RegExp): RegExp {
  return new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, "") + "y");
}

function fillPosix(t: string, pattern: RegExp, valueOf: (m: RegExpExecArray) => string): string {
  const re = sticky(pattern);
  const stack: Frame[] = [];
  let out = "";
  let heredoc = false;
  let unbalanced = false;
  let filled = 0;
  let i = 0;
  const top = (): Frame | "top" => stack[stack.length - 1] ?? "top";
  while (i < t.length) {
    re.lastIndex = i;
    const m = re.exec(t);
    if (m) {
      const where = top();
      const refused = heredoc ? "heredoc" : unbalanced ? "unbalanced" : where === "bq" || where === "brace" ? where : null;
      if (refused) throw new ShellTemplateError(`${m[0]} stands inside ${FRAME_NAMES[refused]}, where it cannot be quoted safely`);
      const v = valueOf(m);
      out += where === "sq" ? v.replaceAll("'", `'\\''`) : where === "dq" ? v.replace(/[$`"\\]/g, "\\$&") : quotePosix(v);
      filled++;
      i += m[0].length || 1;
      continue;
    }
    const c = t[i]!;
    const two = t.slice(i, i + 2);
    let take = 1;
    const f = top();
    if (f === "sq") {
      if (c === "'") stack.pop();
    } else if (f === "bq") {
      if (c === "\\") take = 2;
      else if (c === "`") stack.pop();
    } else if (c === "\\") {
      take = 2;
    } else if (two === "$(" || two === "${") {
      stack.push(two === "$(" ? "cmdsub" : "brace");
      take = 2;
    } else if (c === "`") {
      stack.push("bq");
    } else if (c === '"') {
      if (f === "dq") stack.pop();
      else stack.push("dq");
    } else if (f === "dq") {
      // only $( ${ ` \ and the closing quote mean something inside double quotes
    } else if (c === "'") {
      stack.push("sq");
    } else if (f === "brace") {
      if (c === "}") stack.pop();
    } else if (c === "(") {
      stack.push("paren");
    } else if (c === ")") {
      if (f === "cmdsub" || f === "paren") stack.pop();
      else unbalanced = true;
    } else if (two === "<<") {
      heredoc = true;
      take = 2;
    } else if (c === "#" && (i === 0 || /[\s;&|()<>]/.test(t[i - 1]!))) {
      const nl = t.indexOf("\n", i);
      take = (nl < 0 ? t.length : nl) - i;
    }
    out += t.slice(i, i + take);
    i += take;
  }
  if (filled && (stack.length || unbalanced)) {
    throw new ShellTemplateError(`the command has unclosed ${stack.length ? FRAME_NAMES[stack[stack.length - 1]!] : "parentheses"}, so where its placeholders stand cannot be told`);
  }
  return out;
}

function fillCmd(t: string, pattern: RegExp, valueOf: (m: RegExpExecArray) => string): string {
  const re = sticky(pattern);
  let out = "";
  let quoted = false;
  let i = 0;
  while (i < t.length) {
    re.lastIndex = i;
    const m = re.exec(t);
    if (m) {
      if (quoted) throw new ShellTemplateError(`${m[0]} stands inside double quotes; for cmd.exe write it bare: mirrorbench quotes it`);
      out += quoteCmd(valueOf(m));
      i += m[0].length || 1;
      continue;
    }
    const c = t[i]!;
    const take = c === "^" && !quoted ? 2 : 1;
    if (c === '"') quoted = !quoted;
    out += t.slice(i, i + take);
    i += take;
  }
  return out;
}

/** The command word of a shell command string with its quoting removed (what must be on PATH). */
export function firstWord(command: string, shell: ShellKind): string {
  const s = command.trimStart();
  let word = "";
  let q: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (q) {
      if (c === q) q = null;
      else if (q === '"' && c === "\\" && shell === "posix" && /[$`"\\]/.test(s[i + 1] ?? "")) word += s[++i];
      else word += c;
    } else if (/\s/.test(c) || (shell === "posix" && /[;&|<>()]/.test(c))) break;
    else if (c === "'" && shell === "posix") q = c;
    else if (c === '"') q = c;
    else if (c === "\\" && shell === "posix") word += s[++i] ?? "";
    else if (c === "^" && shell === "cmd") word += s[++i] ?? "";
    else word += c;
  }
  return word;
}
