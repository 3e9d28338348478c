import { describe, expect, it } from "vitest";
import { buildTree, pathTo, type Department, type DepartmentNode } from "./tree.js";

const d = (id: string, name: string, parent: string | null = null): Department => ({ id, name, agency: "a", parent, head: null });
const shape = (nodes: DepartmentNode[]): unknown => nodes.map((n) => (n.children.length ? { [n.department.name]: shape(n.children) } : n.department.name));

describe("buildTree", () => {
  it("nests departments under their parents, sorted by name", () => {
    const tree = buildTree([d("3", "Юридический отдел"), d("1", "Финансовое управление"), d("2", "Бюджетный отдел", "1"), d("4", "Аналитический отдел", "1"), d("5", "Сектор учёта", "2")]);
    expect(shape(tree)).toEqual([{ "Финансовое управление": ["Аналитический отдел", { "Бюджетный отдел": ["Сектор учёта"] }] }, "Юридический отдел"]);
  });

  it("makes a department whose parent is missing a root", () => {
    expect(shape(buildTree([d("2", "Отдел", "gone")]))).toEqual(["Отдел"]);
  });

  it("survives a cycle and places every department once", () => {
    const tree = buildTree([d("1", "А", "2"), d("2", "Б", "1"), d("3", "В", "3")]);
    const names: string[] = [];
    const walk = (nodes: DepartmentNode[]) => nodes.forEach((n) => (names.push(n.department.name), walk(n.children)));
    walk(tree);
    expect(names.sort()).toEqual(["А", "Б", "В"]);
  });
});

describe("pathTo", () => {
  it("lists the branch from the root down", () => {
    expect(pathTo([d("1", "a"), d("2", "b", "1"), d("3", "c", "2")], "3")).toEqual(["1", "2", "3"]);
    expect(pathTo([d("1", "a", "2"), d("2", "b", "1")], "1")).toEqual(["2", "1"]);
  });
});
