import { signOutAction } from "@/lib/actions/session";

export function SignOutButton() {
  return (
    <form action={signOutAction}>
      <button type="submit" className="rounded-md px-2 py-1 text-sm text-slate-600 hover:bg-slate-100 hover:text-slate-900">
        Sign out
      </button>
    </form>
  );
}
