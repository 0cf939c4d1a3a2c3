// The client: starts `polc lsp` (the binary named by `polc.path`) for .pol
// files and hands it everything; the server does the work. The commands of
// the server's code lenses (`polc.runTest`) are registered by the client
// library from the server's capabilities.

import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from "vscode-languageclient/node";

let client: LanguageClient | undefined;

function serverOptions(): ServerOptions {
  const command = vscode.workspace.getConfiguration("polc").get<string>("path", "polc");
  return { command, args: ["lsp"], transport: TransportKind.stdio };
}

function clientOptions(): LanguageClientOptions {
  const debounceMs = vscode.workspace.getConfiguration("polc").get<number>("debounceMs", 5);
  return {
    documentSelector: [
      { scheme: "file", language: "pol" },
      { scheme: "untitled", language: "pol" },
    ],
    initializationOptions: { debounceMs },
    synchronize: {
      // list files and used policies changed on disk: the server checks again
      fileEvents: vscode.workspace.createFileSystemWatcher("**/*.{pol,txt,csv}"),
    },
  };
}

async function start(): Promise<void> {
  client = new LanguageClient("polc", "polc", serverOptions(), clientOptions());
  await client.start();
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.commands.registerCommand("polc.restartServer", async () => {
      await client?.stop();
      await start();
    }),
  );
  try {
    await start();
  } catch (error) {
    void vscode.window.showErrorMessage(
      `polc: cannot start \`polc lsp\` (${String(error)}); set \`polc.path\` to the polc binary`,
    );
  }
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
