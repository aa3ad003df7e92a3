// Public entry point; see README.md for what this project provides.
export {};
