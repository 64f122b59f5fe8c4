import { poolSchema, routeSchema } from "@weir/config";
import { describe, expect, it } from "vitest";
import { Series } from "../../src/metrics/series";
import { PoolRuntime, PoolShared } from "../../src/pool";
import { compileRoute, normalizeHost, pathMatches, Router } from "../../src/routing/router";

const pool = new PoolRuntime(poolSchema.parse({ name: "p" }), [], new PoolShared(new Series()), Math.random, () => {});

function router(routes: unknown[], withDefault = false): Router {
  const compiled = routes.map((r) =>
    compileRoute("web", routeSchema.parse({ pool: "p", ...(r as object) }), pool, undefined, new Series()),
  );
  const fallback = withDefault
    ? compileRoute("web", routeSchema.parse({ name: "default", pool: "p" }), pool, undefined, new Series())
    : undefined;
  return new Router(compiled, fallback);
}

describe("router", () => {
  const r = router([
    { name: "admin-exact", match: { hosts: ["admin.example.com"] } },
    {
      name: "api-v2",
      match: { hosts: ["*.example.com"], pathPrefix: "/api", headers: [{ name: "X-Api-Version", value: "2" }] },
    },
    { name: "api", match: { hosts: ["*.example.com"], pathPrefix: "/api" } },
    { name: "canary-header", match: { headers: [{ name: "x-canary" }] } },
    { name: "static", match: { pathPrefix: "/static/" } },
  ]);

  it.each([
    // host, url, raw headers → route name (undefined: 404)
    ["admin.example.com", "/anything", [], "admin-exact"],
    ["shop.example.com", "/api/items", ["x-api-version", "2"], "api-v2"],
    ["shop.example.com", "/api/items", ["X-API-VERSION", "3"], "api"],
    ["shop.example.com", "/api?q=1", [], "api"],
    ["shop.example.com", "/apiary", [], undefined],
    ["example.com", "/api/items", [], undefined],
    ["deep.shop.example.com", "/api", [], "api"],
    ["other.test", "/x", ["X-Canary", ""], "canary-header"],
    ["other.test", "/static/app.js", [], "static"],
    ["other.test", "/staticky", [], undefined],
  ])("%s%s %j → %s", (host, url, raw, expected) => {
    expect(r.match(host, url, raw)?.name).toBe(expected);
  });

  it("falls back to the default route when nothing matches", () => {
    expect(router([{ name: "api", match: { pathPrefix: "/api" } }], true).match("x", "/other", [])?.name).toBe(
      "default",
    );
  });

  it("tries routes in config order: the first match wins", () => {
    const ordered = router([
      { name: "broad", match: { pathPrefix: "/" } },
      { name: "narrow", match: { pathPrefix: "/api" } },
    ]);
    expect(ordered.match("x", "/api", [])?.name).toBe("broad");
  });
});

describe("normalizeHost", () => {
  it.each([
    ["Example.COM:8080", "example.com"],
    ["example.com", "example.com"],
    ["[::1]:443", "[::1]"],
    ["[::1]", "[::1]"],
    [undefined, ""],
  ])("%s → %s", (input, expected) => {
    expect(normalizeHost(input)).toBe(expected);
  });
});

describe("pathMatches", () => {
  it.each([
    ["/", "/", true],
    ["/api", "/api", true],
    ["/api/v1", "/api", true],
    ["/api?x", "/api", true],
    ["/apiary", "/api", false],
    ["/api/", "/api/", true],
    ["/api/x", "/api/", true],
    ["/ap", "/api", false],
  ])("%s under %s: %s", (url, prefix, expected) => {
    expect(pathMatches(url, prefix)).toBe(expected);
  });
});
