import { describe, expect, it } from "vitest";
import { AVATAR_MAX_BYTES, avatarProblem } from "./profile.js";

describe("avatarProblem", () => {
  it("accepts the four image formats the server decodes, up to the limit", () => {
    for (const type of ["image/jpeg", "image/png", "image/webp", "IMAGE/GIF"]) expect(avatarProblem({ type, size: AVATAR_MAX_BYTES })).toBeNull();
  });

  it("refuses other types, empty files and files over the limit", () => {
    expect(avatarProblem({ type: "image/svg+xml", size: 10 })).toEqual({ kind: "type" });
    expect(avatarProblem({ type: "", size: 10 })).toEqual({ kind: "type" });
    expect(avatarProblem({ type: "image/png", size: 0 })).toEqual({ kind: "empty" });
    expect(avatarProblem({ type: "image/png", size: AVATAR_MAX_BYTES + 1 })).toEqual({ kind: "size", size: AVATAR_MAX_BYTES + 1, limit: AVATAR_MAX_BYTES });
    expect(avatarProblem({ type: "image/png", size: 2048 }, 1024)).toEqual({ kind: "size", size: 2048, limit: 1024 });
  });
});
