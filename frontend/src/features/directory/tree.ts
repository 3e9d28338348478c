/** The department tree of an agency from the flat list the API gives (`parent` ids). */

import type { Department } from "../../api/index.js";

export type { Department };

export interface DepartmentNode {
  department: Department;
  children: DepartmentNode[];
}

/**
 * Roots are departments without a parent, or whose parent is not in the list; children are
 * sorted by name (Russian collation). A cycle in the data cannot hang it: each department is
 * placed once, and those only reachable through a cycle become roots.
 */
export function buildTree(departments: readonly Department[]): DepartmentNode[] {
  const byId = new Map(departments.map((d) => [d.id, d]));
  const children = new Map<string, Department[]>();
  const roots: Department[] = [];
  for (const department of departments) {
    if (department.parent && byId.has(department.parent) && department.parent !== department.id) {
      const list = children.get(department.parent) ?? [];
      list.push(department);
      children.set(department.parent, list);
    } else {
      roots.push(department);
    }
  }
  const placed = new Set<string>();
  const collator = new Intl.Collator("ru");
  const build = (department: Department): DepartmentNode => {
    placed.add(department.id);
    const kids = (children.get(department.id) ?? []).filter((d) => !placed.has(d.id)).sort((a, b) => collator.compare(a.name, b.name));
    return { department, children: kids.map(build) };
  };
  const tree = roots.sort((a, b) => collator.compare(a.name, b.name)).map(build);
  // Departments in a parent cycle were never reached from a root.
  for (const department of departments) if (!placed.has(department.id)) tree.push(build(department));
  return tree;
}

/** The ids from a root down to `id` (to open the branches that lead to it). */
export function pathTo(departments: readonly Department[], id: string): string[] {
  const byId = new Map(departments.map((d) => [d.id, d]));
  const path: string[] = [];
  let current = byId.get(id);
  while (current && !path.includes(current.id)) {
    path.unshift(current.id);
    current = current.parent ? byId.get(current.parent) : undefined;
  }
  return path;
}
