// Lets TypeScript accept `import src from "./mb-run.c" with { type: "text" }` (Bun embeds the file).
declare module "*.c" {
  const text: string;
  export default text;
}
