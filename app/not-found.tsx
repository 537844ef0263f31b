import Link from "next/link";

export default function NotFound() {
  return (
    <main className="mx-auto flex min-h-[60vh] max-w-md flex-col items-center justify-center gap-3 text-center">
      <p className="text-sm font-semibold text-slate-500">404</p>
      <h1 className="text-2xl font-semibold">Page not found</h1>
      <p className="text-slate-600">It does not exist, or you do not have access to it.</p>
      <Link href="/" className="text-indigo-600 hover:underline">
        Go to your dashboard
      </Link>
    </main>
  );
}
