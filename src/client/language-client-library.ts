// vscode-languageclient and its dependencies, bundled on their own (dist/language-client.js): they
// are ~85% of the client's code, and only the server start needs them, not activation.
export * from 'vscode-languageclient/node';
