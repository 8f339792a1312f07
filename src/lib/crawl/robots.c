/*
 * robots.txt as RFC 9309 reads it: groups of user-agent lines followed by
 * their rules; the groups naming our product token (all of them, merged),
 * else those of "*"; the longest matching pattern wins, Allow on a tie.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vigie/crawl.h"

#define MAX_READ (500u * 1024u) /* RFC 9309 2.5: at least 500 KiB are read */
#define MAX_RULES 4096
#define MAX_PATTERN 2048

typedef struct rule {
    char *pattern; /* owned; a final '$' anchors it */
    size_t len;
    bool allow;
} rule;

typedef struct ruleset {
    rule *rules;
    size_t count, capacity;
    bool seen; /* a group for this agent exists (maybe empty) */
} ruleset;

struct vg_robots {
    ruleset rules; /* the chosen group's */
};

static void ruleset_free(ruleset *r)
{
    for (size_t i = 0; i < r->count; i++)
        free(r->rules[i].pattern);
    free(r->rules);
    *r = (ruleset){0};
}

static bool ruleset_add(ruleset *r, const char *pattern, size_t len, bool allow)
{
    if (r->count >= MAX_RULES || len > MAX_PATTERN)
        return true; /* beyond what any site needs: ignored */
    if (r->count == r->capacity) {
        size_t capacity = r->capacity ? r->capacity * 2 : 16;
        rule *rules = realloc(r->rules, capacity * sizeof *rules);
        if (!rules)
            return false;
        r->rules = rules;
        r->capacity = capacity;
    }
    /* the bytes as they are, NULs included: len is what matching reads */
    char *copy = malloc(len + 1);
    if (!copy)
        return false;
    memcpy(copy, pattern, len);
    copy[len] = 0;
    r->rules[r->count++] = (rule){copy, len, allow};
    return true;
}

static const char *trim(const char *s, const char *end, const char **trimmed_end)
{
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    *trimmed_end = end;
    return s;
}

/* Whether a user-agent line's value names agent: its product token (up to
 * a '/' or a space) compared without case. */
static bool names_agent(const char *value, size_t len, const char *agent)
{
    size_t n = 0;
    while (n < len && value[n] != '/' && value[n] != ' ' && value[n] != '\t')
        n++;
    return n == strlen(agent) && strncasecmp(value, agent, n) == 0;
}

vg_robots *vg_robots_parse(const char *text, size_t len, const char *agent)
{
    vg_robots *robots = calloc(1, sizeof *robots);
    if (!robots)
        return NULL;
    ruleset mine = {0}, star = {0};
    if (len > MAX_READ)
        len = MAX_READ;
    const char *p = text, *end = text ? text + len : text;
    bool in_agents = false;     /* the last line of note was a user-agent line */
    bool for_me = false, for_star = false; /* the current group applies */
    bool ok = true;
    while (ok && p < end) {
        const char *eol = p;
        while (eol < end && *eol != '\n' && *eol != '\r')
            eol++;
        const char *line_end = eol;
        const char *hash = memchr(p, '#', (size_t)(line_end - p));
        if (hash)
            line_end = hash;
        const char *colon = memchr(p, ':', (size_t)(line_end - p));
        if (colon) {
            const char *key_end, *value_end;
            const char *key = trim(p, colon, &key_end);
            const char *value = trim(colon + 1, line_end, &value_end);
            size_t key_len = (size_t)(key_end - key), value_len = (size_t)(value_end - value);
            if (key_len == 10 && strncasecmp(key, "user-agent", 10) == 0) {
                if (!in_agents)
                    for_me = for_star = false; /* a new group begins */
                in_agents = true;
                if (value_len == 1 && *value == '*')
                    for_star = true;
                else if (agent && names_agent(value, value_len, agent))
                    for_me = true;
                mine.seen |= for_me;
                star.seen |= for_star;
            } else {
                bool allow = key_len == 5 && strncasecmp(key, "allow", 5) == 0;
                bool disallow = key_len == 8 && strncasecmp(key, "disallow", 8) == 0;
                if (allow || disallow) {
                    in_agents = false;
                    /* an empty pattern matches nothing: "Disallow:" allows all */
                    if (value_len && for_me)
                        ok = ruleset_add(&mine, value, value_len, allow);
                    if (ok && value_len && for_star)
                        ok = ruleset_add(&star, value, value_len, allow);
                } else if (key_len) {
                    in_agents = false; /* sitemap, crawl-delay...: ends the agent lines */
                }
            }
        }
        p = eol < end ? eol + 1 : eol;
    }
    if (!ok) {
        ruleset_free(&mine);
        ruleset_free(&star);
        free(robots);
        return NULL;
    }
    if (mine.seen) {
        robots->rules = mine;
        ruleset_free(&star);
    } else {
        robots->rules = star;
        ruleset_free(&mine);
    }
    return robots;
}

/* Whether pattern matches path from its start: '*' any run of bytes, a
 * final '$' the end of the path. One star remembered at a time: the
 * classic glob walk, O(pattern x path) at worst. */
static bool matches(const char *pattern, size_t plen, const char *path)
{
    bool anchored = plen && pattern[plen - 1] == '$';
    if (anchored)
        plen--;
    size_t slen = strlen(path);
    size_t pi = 0, si = 0, star = (size_t)-1, star_si = 0;
    for (;;) {
        if (pi < plen && pattern[pi] == '*') {
            star = pi++;
            star_si = si;
            continue;
        }
        if (pi == plen) {
            if (!anchored || si == slen)
                return true;
        } else if (si < slen && pattern[pi] == path[si]) {
            pi++;
            si++;
            continue;
        }
        if (star == (size_t)-1 || star_si >= slen)
            return false;
        pi = star + 1;
        si = ++star_si;
    }
}

bool vg_robots_allows(const vg_robots *robots, const char *path)
{
    if (!robots || !path || strcmp(path, "/robots.txt") == 0)
        return true;
    size_t best = 0;
    bool allowed = true, any = false;
    for (size_t i = 0; i < robots->rules.count; i++) {
        const rule *r = &robots->rules.rules[i];
        if (!matches(r->pattern, r->len, path))
            continue;
        if (!any || r->len > best || (r->len == best && r->allow)) {
            best = r->len;
            allowed = r->allow;
            any = true;
        }
    }
    return allowed;
}

void vg_robots_free(vg_robots *robots)
{
    if (!robots)
        return;
    ruleset_free(&robots->rules);
    free(robots);
}
