// Entry of the page bundle (apps/view/dist/page/app.js + app.css, built by scripts/build-page.mjs).
import "uplot/dist/uPlot.min.css";
import "./app.css";
import { start } from "./app.js";

start();
