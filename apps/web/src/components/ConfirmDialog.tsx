import * as AlertDialog from '@radix-ui/react-alert-dialog';
import type { ReactNode } from 'react';
import { ErrorText } from './ErrorText';

export interface ConfirmDialogProps {
  /** The button that opens the dialog; focus returns to it when the dialog closes. */
  trigger: ReactNode;
  open: boolean;
  onOpenChange(open: boolean): void;
  title: string;
  description: ReactNode;
  /** Names the action ("Leave Acme"), never just "OK". */
  confirmLabel: string;
  pendingLabel: string;
  cancelLabel: string;
  pending?: boolean;
  error?: unknown;
  onConfirm(): void;
  /** Where focus goes on close; by default back to the trigger. Call `event.preventDefault()` to move it yourself. */
  onCloseAutoFocus?(event: Event): void;
}

/**
 * An accessible confirmation (Radix AlertDialog): focus is trapped inside and starts on Cancel, Escape
 * cancels, and the dialog is labelled by its title and described by its text.
 */
export function ConfirmDialog(props: ConfirmDialogProps) {
  return (
    <AlertDialog.Root open={props.open} onOpenChange={(open) => !props.pending && props.onOpenChange(open)}>
      <AlertDialog.Trigger asChild>{props.trigger}</AlertDialog.Trigger>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className="dialog-overlay" />
        <AlertDialog.Content className="dialog" onCloseAutoFocus={props.onCloseAutoFocus}>
          <AlertDialog.Title className="dialog-title">{props.title}</AlertDialog.Title>
          <AlertDialog.Description asChild>
            <div className="dialog-text">{props.description}</div>
          </AlertDialog.Description>
          <ErrorText error={props.error} />
          <div className="dialog-actions">
            <AlertDialog.Cancel asChild>
              <button type="button" className="button" disabled={props.pending}>
                {props.cancelLabel}
              </button>
            </AlertDialog.Cancel>
            <AlertDialog.Action asChild>
              <button
                type="button"
                className="button danger"
                disabled={props.pending}
                onClick={(event) => {
                  // Stay open until the server answers: on a refusal the dialog shows why.
                  event.preventDefault();
                  props.onConfirm();
                }}
              >
                {props.pending ? props.pendingLabel : props.confirmLabel}
              </button>
            </AlertDialog.Action>
          </div>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}
