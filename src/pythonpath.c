/*
 * pythonpath.c - the PythonPath expression, checked when the configuration
 * is read.
 *
 * Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * PythonPath's value is a Python expression that mod_python.apache
 * evaluates, in each interpreter, to replace sys.path.  The parent process
 * runs no Python, so the expression is parsed here, in C, against the
 * forms a PythonPath needs, the same rules ast.literal_eval would apply
 * with `sys.path' as the one name:
 *
 *     expression := term ('+' term)*
 *     term       := 'sys.path' | '[' [string (',' string)* [',']] ']'
 *                 | '(' expression ')'
 *     string     := a one-line Python string literal, optionally with an
 *                   r, R, u or U prefix ('...' or "...")
 *
 * with spaces anywhere between tokens.  Anything else (a call, another
 * name, a number, bytes, an f-string) is refused with `apache2 -t', the
 * message naming the directive and where the expression went wrong;
 * before, it was accepted and every request of the section failed.
 */
#include "mod_python.h"

#define MAX_NESTING 32

typedef struct {
    const char *text;       /* the whole expression */
    const char *at;         /* the next character to read */
    const char *problem;    /* what went wrong first, or NULL */
    apr_pool_t *pool;
} parser;

static void skip_spaces(parser *ps)
{
    while (apr_isspace((unsigned char)*ps->at)) {
        ps->at++;
    }
}

/* Record the first problem, with where it is; returns 0. */
static int fail(parser *ps, const char *what)
{
    if (ps->problem == NULL) {
        ps->problem = *ps->at
            ? apr_psprintf(ps->pool, "%s at \"%s\" (character %d)", what,
                           ps->at, (int)(ps->at - ps->text) + 1)
            : apr_psprintf(ps->pool, "%s at the end", what);
    }
    return 0;
}

static int string_literal(parser *ps)
{
    const char *start = ps->at;
    char quote;

    if (*ps->at == 'r' || *ps->at == 'R' || *ps->at == 'u'
        || *ps->at == 'U') {
        ps->at++;
    }
    if (*ps->at != '\'' && *ps->at != '"') {
        ps->at = start;
        return fail(ps, "expected a string ('/dir')");
    }
    quote = *ps->at++;
    if (ps->at[0] == quote && ps->at[1] == quote) {
        ps->at--;
        return fail(ps, "triple-quoted strings are not allowed");
    }
    while (*ps->at != quote) {
        if (*ps->at == '\0' || *ps->at == '\n') {
            ps->at = start;
            return fail(ps, "unterminated string");
        }
        if (*ps->at == '\\' && ps->at[1] != '\0') {
            ps->at++;           /* raw or not, \<quote> does not end it */
        }
        ps->at++;
    }
    ps->at++;
    return 1;
}

static int list_of_strings(parser *ps)
{
    ps->at++;                                   /* '[' */
    skip_spaces(ps);
    while (*ps->at != ']') {
        if (!string_literal(ps)) {
            return 0;
        }
        skip_spaces(ps);
        if (*ps->at == ',') {
            ps->at++;
            skip_spaces(ps);
        }
        else if (*ps->at != ']') {
            return fail(ps, "expected ',' or ']'");
        }
    }
    ps->at++;
    return 1;
}

static int expression(parser *ps, int depth);

static int term(parser *ps, int depth)
{
    skip_spaces(ps);
    if (strncmp(ps->at, "sys.path", 8) == 0
        && !apr_isalnum((unsigned char)ps->at[8]) && ps->at[8] != '_'
        && ps->at[8] != '.') {
        ps->at += 8;
        return 1;
    }
    if (*ps->at == '[') {
        return list_of_strings(ps);
    }
    if (*ps->at == '(') {
        if (depth >= MAX_NESTING) {
            return fail(ps, "parentheses nested too deeply");
        }
        ps->at++;
        if (!expression(ps, depth + 1)) {
            return 0;
        }
        skip_spaces(ps);
        if (*ps->at != ')') {
            return fail(ps, "expected ')'");
        }
        ps->at++;
        return 1;
    }
    return fail(ps, "expected sys.path or a [list of strings]");
}

static int expression(parser *ps, int depth)
{
    if (!term(ps, depth)) {
        return 0;
    }
    for (;;) {
        skip_spaces(ps);
        if (*ps->at != '+') {
            return 1;
        }
        ps->at++;
        if (!term(ps, depth)) {
            return 0;
        }
    }
}

const char *mp_python_path_problem(apr_pool_t *pool, const char *text)
{
    parser ps;

    ps.text = ps.at = text;
    ps.problem = NULL;
    ps.pool = pool;
    if (expression(&ps, 0)) {
        skip_spaces(&ps);
        if (*ps.at != '\0') {
            fail(&ps, "expected '+'");
        }
    }
    if (ps.problem == NULL) {
        return NULL;
    }
    return apr_psprintf(pool, "%s; a PythonPath is sys.path and lists of "
                        "strings joined by +, e.g. "
                        "PythonPath \"sys.path+['/mydir']\"", ps.problem);
}
