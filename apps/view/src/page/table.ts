// The runs table: fixed-height rows, windowed (only the rows in view, plus a margin, are in the
// DOM, recycled as the body scrolls), so 100k rows cost what 60 do. Imperative on purpose: the
// hot path (scrolling) never goes through Preact.
import type { Column, RunRecord } from "./columns.js";

export const ROW_HEIGHT = 24;
const OVERSCAN = 10;

export interface TableHandlers {
  onSort(col: string): void;
  onToggle(id: string, range: boolean): void;
  onToggleAll(): void;
  onOpen(id: string): void;
}

const widthOf = (c: Column) =>
  c.id === "id" ? 80 : c.id === "started" ? 160 : c.id === "label" ? 260 : c.id === "operation" ? 160 : c.id === "tags" ? 120 : 90;

export class RunsTable {
  readonly el: HTMLElement;
  private head: HTMLElement;
  private body: HTMLElement;
  private spacer: HTMLElement;
  private pool: HTMLElement[] = [];
  private cols: Column[] = [];
  private runs: readonly RunRecord[] = [];
  private order: Uint32Array = new Uint32Array(0);
  private selected: ReadonlySet<string> = new Set();
  private sortCol = "";
  private desc = false;
  private frame = 0;
  /** The record each row element shows (a row is redrawn when its record object is another). */
  private shown = new WeakMap<HTMLElement, RunRecord>();

  constructor(
    parent: HTMLElement,
    private h: TableHandlers,
  ) {
    this.el = document.createElement("div");
    this.el.className = "runs-table";
    this.head = document.createElement("div");
    this.head.className = "thead";
    this.body = document.createElement("div");
    this.body.className = "tbody";
    this.spacer = document.createElement("div");
    this.spacer.className = "spacer";
    this.body.append(this.spacer);
    this.el.append(this.head, this.body);
    parent.append(this.el);
    this.body.addEventListener("scroll", () => this.schedule(), { passive: true });
    this.head.addEventListener("click", (e) => {
      const t = e.target as HTMLElement;
      if (t.closest(".check")) return this.h.onToggleAll();
      const cell = t.closest<HTMLElement>("[data-col]");
      if (cell) this.h.onSort(cell.dataset.col!);
    });
    this.body.addEventListener("click", (e) => {
      const t = e.target as HTMLElement;
      const row = t.closest<HTMLElement>(".tr");
      if (!row?.dataset.id) return;
      if (t.closest("a")) {
        e.preventDefault();
        return this.h.onOpen(row.dataset.id);
      }
      this.h.onToggle(row.dataset.id, e.shiftKey);
    });
    new ResizeObserver(() => this.schedule()).observe(this.body);
  }

  setColumns(cols: Column[], sortCol: string, desc: boolean) {
    this.cols = cols;
    this.sortCol = sortCol;
    this.desc = desc;
    const cells = cols.map((c) => {
      const d = document.createElement("div");
      d.className = `th${c.numeric ? " num" : ""}${c.id === sortCol ? (desc ? " sorted desc" : " sorted asc") : ""}`;
      d.dataset.col = c.id;
      d.style.width = `${widthOf(c)}px`;
      d.textContent = c.title + (c.id === sortCol ? (desc ? " ▼" : " ▲") : "");
      d.title = c.id;
      return d;
    });
    const check = document.createElement("div");
    check.className = "th check";
    check.textContent = "☐";
    this.head.replaceChildren(check, ...cells);
    for (const r of this.pool) r.remove();
    this.pool = [];
    this.schedule();
  }

  setRows(runs: readonly RunRecord[], order: Uint32Array) {
    this.runs = runs;
    this.order = order;
    this.spacer.style.height = `${order.length * ROW_HEIGHT}px`;
    this.schedule();
  }

  setSelection(sel: ReadonlySet<string>) {
    this.selected = sel;
    this.schedule();
  }

  /** Redraws now (the benchmarks and tests measure this), else on the next frame. */
  render() {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    const top = this.body.scrollTop;
    const height = this.body.clientHeight || 600;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(this.order.length, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);
    const need = last - first;
    while (this.pool.length < need) {
      const row = document.createElement("div");
      row.className = "tr";
      const check = document.createElement("div");
      check.className = "td check";
      row.append(check);
      for (const c of this.cols) {
        const d = document.createElement("div");
        d.className = `td${c.numeric ? " num" : ""}`;
        d.style.width = `${widthOf(c)}px`;
        if (c.id === "id") d.append(document.createElement("a"));
        row.append(d);
      }
      this.body.append(row);
      this.pool.push(row);
    }
    for (let k = 0; k < this.pool.length; k++) {
      const row = this.pool[k]!;
      if (k >= need) {
        row.hidden = true;
        delete row.dataset.id;
        continue;
      }
      const i = first + k;
      const r = this.runs[this.order[i]!]!;
      row.hidden = false;
      row.style.transform = `translateY(${i * ROW_HEIGHT}px)`;
      if (this.shown.get(row) === r && row.dataset.sel === String(this.selected.has(r.id))) continue;
      this.shown.set(row, r);
      row.dataset.id = r.id;
      row.dataset.rev = String(r.__rev ?? 0);
      const sel = this.selected.has(r.id);
      row.dataset.sel = String(sel);
      row.classList.toggle("selected", sel);
      row.classList.toggle("deleted", r.deleted === true);
      row.dataset.status = r.status;
      const cells = row.children;
      cells[0]!.textContent = sel ? "☑" : "☐";
      for (let j = 0; j < this.cols.length; j++) {
        const c = this.cols[j]!;
        const cell = cells[j + 1] as HTMLElement;
        const text = c.text(r);
        if (c.id === "id") {
          const a = cell.firstChild as HTMLAnchorElement;
          a.textContent = text;
          a.href = `#view=run&run=${r.id}`;
        } else cell.textContent = text;
        cell.title = text;
      }
    }
  }

  private schedule() {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.render());
  }

  /** The ids of the rows now in the DOM, top to bottom (for tests). */
  visibleIds(): string[] {
    return this.pool.filter((r) => !r.hidden && r.dataset.id).map((r) => r.dataset.id!);
  }

  get sortInfo() {
    return { col: this.sortCol, desc: this.desc };
  }
}
