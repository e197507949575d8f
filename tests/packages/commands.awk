# The commands a shell script runs, one "WORD<TAB>FILE:LINE" a line, for
# check_packages.sh. It lexes the script the way the shell would, far
# enough to tell commands from data: comments, quoted strings and here
# documents are data (but $(...) inside double quotes, and the string given
# to `eval` or `-c`, are code); a command is the first word of a simple
# command, and the first word after a wrapper (exec, timeout, nsenter, …,
# and the script's own functions that run "$@").
#
#   awk -v wrappers="in_ns check …" -v known=FILE -f commands.awk SCRIPT…
# known: a file of words that are commands (one a line), so that the word
# after a wrapper that takes an argument of its own (in_ns NS CMD) is found.
# Input with literal=1: C++ sources; each string literal is a script.

BEGIN {
	n = split("exec command builtin nohup eval time env timeout xargs nsenter " \
	          "setpriv prlimit unshare chroot sudo nice ionice taskset stdbuf " \
	          "watch strace flock -exec -execdir -ok " wrappers, w, " ")
	for (i = 1; i <= n; i++) wrapper[w[i]] = 1
	n = split("if then else elif fi do done while until time function select " \
	          "coproc [[ ]] [ ] ! { } local declare export readonly", w, " ")
	for (i = 1; i <= n; i++) keyword[w[i]] = 1
	if (known != "")
		while ((getline line < known) > 0) resolvable[line] = 1
}

# ---- output: words of a lexed line, split into simple commands -----------

function emit_line(text, where,    segs, ns, s, words, nw, i, word, want, skips) {
	# Redirections are not words: 2>&1, >&2, &>/dev/null, >file, < file.
	gsub(/[0-9]*(>&|<&)[0-9-]*/, " ", text)
	gsub(/&>>?/, " > ", text)
	# In a case statement, "a | b)" at the start of a line is a pattern.
	if (in_case > 0) sub(/^[ \t]*\(?[^()]*\)/, " ", text)
	if (text ~ /(^|[ \t;])case[ \t]/) in_case++
	if (text ~ /(^|[ \t;])esac([ \t;]|$)/) in_case--
	ns = split(text, segs, /;|\||&|\(|\)|`/)
	for (s = 1; s <= ns; s++) {
		nw = split(segs[s], words, /[ \t]+/)
		want = 1       # 1: looking for a command word
		skips = 0      # words passed over after a wrapper
		after_wrapper = 0
		for (i = 1; i <= nw; i++) {
			word = words[i]
			if (word == "") continue
			if (word ~ /^[<>]/) {           # a redirection and its target
				if (word ~ /^[<>]+$/) i++
				continue
			}
			if (!want) {
				if (word == "exec" || word == "-exec" || word == "-execdir") {
					want = 1; after_wrapper = 1; skips = 0
				}
				continue
			}
			if (word == "for" || word == "case" || word == "in") break
			if (word in keyword) continue
			if (word ~ /^[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=/) continue
			if (word == "%q") {
				# A quoted command word: unknown. After a wrapper it is the
				# wrapper's own argument (in_ns "$ns" CMD).
				if (after_wrapper && skips++ < 2) continue
				break
			}
			if (word ~ /^-/ || word ~ /^[0-9]/ || word ~ /^\$/ || word ~ /^%v/) {
				if (after_wrapper) continue
				break
			}
			if (word !~ /^([A-Za-z_.]|\/[A-Za-z])/) break
			if (after_wrapper && !(word in resolvable) && !(word in wrapper) && skips++ < 2)
				continue
			print word "\t" where
			if (word in wrapper) { after_wrapper = 1; skips = 0 }
			else want = 0
		}
	}
}

# ---- the lexer ------------------------------------------------------------
# ctx[d]: N code, S single-quoted data, D double-quoted data. term[d]: what
# ends a code context ("" for the file, ")" for $( … ), "'" or "\"" for a
# string that is code, "`" for backquotes). depth[d]: open parentheses.

function push(kind, t) { d++; ctx[d] = kind; term[d] = t; depth[d] = 0 }

function out_word_before(    t) {
	t = out
	sub(/[ \t]+$/, "", t)
	sub(/.*[ \t;|&(]/, "", t)
	return t
}

function lex_char(c, nx,    p, delim) {
	if (ctx[d] == "S") {
		if (c == "'") d--
		return 0
	}
	if (ctx[d] == "D") {
		if (c == "\\") return 1
		if (c == "\"") { d--; return 0 }
		if (c == "$" && nx == "(") { push("N", ")"); out = out " ; "; return 1 }
		if (c == "`") { push("N", "`"); out = out " ; "; return 0 }
		return 0
	}
	# code
	if (term[d] != "" && c == term[d] && (c != ")" || depth[d] == 0)) {
		d--
		out = out " ; "
		return 0
	}
	if (c == "\\") { out = out " "; return 1 }
	if (c == "#" && (out == "" || out ~ /[ \t;|&(]$/)) { comment = 1; return 0 }
	if (c == "'" || c == "\"") {
		p = out_word_before()
		if (p == "eval" || p == "-c") { push("N", c); out = out " ; "; return 0 }
		push(c == "'" ? "S" : "D", "")
		out = out "%q"
		return 0
	}
	if (c == "$" && nx == "(") { push("N", ")"); out = out " ; "; return 1 }
	if (c == "$" && nx == "{") { braces = 1; out = out "%v"; return 1 }
	if (c == "`") { push("N", "`"); out = out " ; "; return 0 }
	if (c == "(") depth[d]++
	if (c == ")") depth[d]--
	out = out c
	return 0
}

function lex_line(line, where,    i, n, c, m, rest, delim) {
	n = length(line)
	comment = 0
	for (i = 1; i <= n; i++) {
		c = substr(line, i, 1)
		if (braces) {               # inside ${ … }: data
			if (c == "{") braces++
			else if (c == "}") braces--
			continue
		}
		if (comment) break
		if (ctx[d] == "N" && c == "<" && substr(line, i, 3) == "<<<") {
			out = out " "
			i += 2
			continue
		}
		if (ctx[d] == "N" && c == "<" && substr(line, i + 1, 1) == "<") {
			rest = substr(line, i + 2)
			strip_tabs = rest ~ /^-/
			if (match(rest, /^-?[ \t]*['"]?[A-Za-z_][A-Za-z0-9_]*/)) {
				delim = substr(rest, 1, RLENGTH)
				gsub(/^-|[ \t'"]/, "", delim)
				heredoc = delim
				i += 1 + RLENGTH
				if (substr(line, i + 1, 1) ~ /['"]/) i++
				out = out " "
				continue
			}
		}
		i += lex_char(c, substr(line, i + 1, 1))
	}
	if (d == 0 && ctx[0] == "N") {
		emit_line(out, where)
		out = ""
	} else if (ctx[d] == "N") {
		out = out " ; "         # a newline inside $( … ) separates commands
	}
}

# A C++ source: each string literal (escapes undone) is a script.
function literal_scripts(line, where,    s, body) {
	while (match(line, /"([^"\\]|\\.)*"/)) {
		body = substr(line, RSTART + 1, RLENGTH - 2)
		line = substr(line, RSTART + RLENGTH)
		gsub(/\\n/, "\n", body)
		gsub(/\\"/, "\"", body)
		gsub(/\{[^}]*\}/, "X", body)      # fmt placeholders
		ns = split(body, parts, "\n")
		for (s = 1; s <= ns; s++) {
			d = 0; ctx[0] = "N"; term[0] = ""; out = ""; braces = 0
			lex_line(parts[s], where)
		}
	}
}

FNR == 1 {
	in_case = 0
	d = 0; ctx[0] = "N"; term[0] = ""; out = ""; heredoc = ""; braces = 0
	continued = ""
}

{
	where = FILENAME ":" FNR
	if (literal) { literal_scripts($0, where); next }
	if (heredoc != "") {
		line = $0
		if (strip_tabs) sub(/^\t+/, "", line)
		if (line == heredoc) heredoc = ""
		next
	}
	line = continued $0
	if (line ~ /\\$/ && ctx[d] != "S") {  # continuation: one logical line
		continued = substr(line, 1, length(line) - 1) " "
		next
	}
	continued = ""
	lex_line(line, where)
}
