import { describe, expect, it } from "vitest";

import { FileFetchError, LINK_FRESH_MS, LinkCache, fetchAttachment, sameOriginUrl } from "./links.js";

function source() {
  let now = 0;
  const asked: string[] = [];
  const cache = new LinkCache({
    now: () => now,
    fetchLink: async (id, thumbnail) => {
      asked.push(`${id}${thumbnail ? "/thumb" : ""}`);
      return `https://portal.test/files/${id}${thumbnail ? "/thumb" : ""}?n=${asked.length}`;
    },
  });
  return { cache, asked, advance: (ms: number) => (now += ms) };
}

describe("download links", () => {
  it("shares one request, keeps the link while fresh and asks again after", async () => {
    const { cache, asked, advance } = source();
    const [a, b] = await Promise.all([cache.get("f1"), cache.get("f1")]);
    expect(a).toBe(b);
    expect(asked).toEqual(["f1"]);
    expect(cache.fresh("f1")).toBe(a);
    expect(cache.fresh("f1", true)).toBeNull(); // the thumbnail is another link
    advance(LINK_FRESH_MS - 1);
    expect(await cache.get("f1")).toBe(a);
    advance(1);
    expect(cache.fresh("f1")).toBeNull();
    expect(await cache.get("f1")).not.toBe(a);
    expect(asked).toEqual(["f1", "f1"]);
  });

  it("renews a link that failed even while it looks fresh; clear forgets all", async () => {
    const { cache, asked } = source();
    await cache.get("f1", true);
    await cache.get("f1", true, { renew: true });
    expect(asked).toEqual(["f1/thumb", "f1/thumb"]);
    cache.clear();
    expect(cache.fresh("f1", true)).toBeNull();
  });

  it("a failed request is not kept", async () => {
    let fail = true;
    const cache = new LinkCache({
      now: () => 0,
      fetchLink: async () => {
        if (fail) throw new Error("404");
        return "https://portal.test/f";
      },
    });
    await expect(cache.get("f1")).rejects.toThrow("404");
    fail = false;
    expect(await cache.get("f1")).toBe("https://portal.test/f");
  });

  it("follows only links of this origin", () => {
    expect(sameOriginUrl("/api/v1/files/x?sig=1", "https://portal.test")).toBe("https://portal.test/api/v1/files/x?sig=1");
    expect(sameOriginUrl("https://portal.test/a", "https://portal.test")).toBe("https://portal.test/a");
    expect(sameOriginUrl("https://s3.example.com/bucket/x", "https://portal.test")).toBeNull();
    expect(sameOriginUrl("//evil.test/x", "https://portal.test")).toBeNull();
    expect(sameOriginUrl("javascript:alert(1)", "https://portal.test")).toBeNull();
  });
});

describe("fetching an attachment's bytes", () => {
  it("uses the kept link and asks for a new one once when it expired (404)", async () => {
    const { cache, asked } = source();
    const fetched: string[] = [];
    const fetchFile = async (url: string) => {
      fetched.push(url);
      if (fetched.length === 1) throw new FileFetchError(404);
      return new Blob(["bytes"]);
    };
    const blob = await fetchAttachment(cache, fetchFile, "f1", true);
    expect(await blob.text()).toBe("bytes");
    expect(asked).toEqual(["f1/thumb", "f1/thumb"]);
    expect(fetched).toEqual(["https://portal.test/files/f1/thumb?n=1", "https://portal.test/files/f1/thumb?n=2"]);
  });

  it("gives up after the second failure and passes other errors on", async () => {
    const { cache, asked } = source();
    await expect(fetchAttachment(cache, async () => Promise.reject(new FileFetchError(404)), "f1")).rejects.toMatchObject({ status: 404 });
    expect(asked).toEqual(["f1", "f1"]);
    await expect(fetchAttachment(cache, async () => Promise.reject(new FileFetchError(500)), "f2")).rejects.toMatchObject({ status: 500 });
    expect(asked).toEqual(["f1", "f1", "f2"]);
  });
});
