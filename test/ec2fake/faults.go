package ec2fake

import (
	"fmt"
	"net/url"
)

// Fault makes matching calls fail with an EC2 error instead of being answered.
type Fault struct {
	// Action and Region restrict the calls the fault applies to; "" matches any.
	Action string
	Region string
	// Code is the EC2 error code, e.g. RequestLimitExceeded or
	// UnauthorizedOperation. The HTTP status follows EC2 (see APIError).
	Code    string
	Message string
	// Times is how many matching calls fail; 0 means every one.
	Times int
	// Cycle, when above 1, makes the fault answer the first Cycle-1
	// attempts of every logical call it matches and let the next attempt
	// through, forever (Times is ignored): with Cycle 3, every call of a
	// client that retries fails twice and succeeds on its third attempt,
	// whatever other calls run at the same time. See LogicalCalls for what
	// one logical call is.
	Cycle int

	used int
	// failed counts, per logical call (callKey), the attempts a Cycle fault
	// answered since that call last got through. A client that gives up
	// leaves its entry: a new call has a new invocation id, or, from a
	// client that sends none, gets through at once.
	failed map[string]int
}

// InjectFault adds a fault. Faults are tried in the order they were added;
// the first one that matches a call and is not used up answers it.
func (s *Server) InjectFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Message == "" {
		f.Message = defaultFaultMessage(f.Code, f.Action)
	}
	s.faults = append(s.faults, &f)
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault returns the error for this attempt, if a fault applies. key
// names the logical call the attempt belongs to; it is computed only for a
// Cycle fault that matches, as encoding the form costs every request.
// Callers hold s.mu.
func (s *Server) takeFault(region, action string, keyOf func() string) *APIError {
	key := ""
	for _, f := range s.faults {
		if f.Action != "" && f.Action != action || f.Region != "" && f.Region != region {
			continue
		}
		if f.Cycle > 1 {
			if f.failed == nil {
				f.failed = map[string]int{}
			}
			if key == "" {
				key = keyOf()
			}
			if f.failed[key] >= f.Cycle-1 {
				delete(f.failed, key)
				continue
			}
			f.failed[key]++
			return &APIError{Code: f.Code, Message: f.Message}
		}
		if f.Times > 0 && f.used >= f.Times {
			continue
		}
		f.used++
		return &APIError{Code: f.Code, Message: f.Message}
	}
	return nil
}

// invocationIDHeader is the header aws-sdk-go-v2 sets once per operation
// call and sends unchanged on each of its retries.
const invocationIDHeader = "Amz-Sdk-Invocation-Id"

// callKey names the logical call an attempt belongs to: its region and its
// whole form, since an SDK's retry resends the same request, and the SDK's
// invocation id when the client sends one, which tells apart two identical
// calls in flight at once.
func callKey(region, invocationID string, form url.Values) string {
	return region + "\n" + invocationID + "\n" + form.Encode()
}

// LogicalCall is one call of a client with its retries: the attempts the
// server saw, oldest first.
type LogicalCall struct {
	Region, Action string
	Attempts       []Call
}

// Faults returns how many of the attempts an injected fault answered.
func (lc LogicalCall) Faults() int {
	n := 0
	for _, a := range lc.Attempts {
		if a.Fault != "" {
			n++
		}
	}
	return n
}

// GotThrough reports whether the last attempt passed the faults and reached
// its handler (which may still have answered with an error of its own).
func (lc LogicalCall) GotThrough() bool {
	return len(lc.Attempts) > 0 && lc.Attempts[len(lc.Attempts)-1].Fault == ""
}

// LogicalCalls groups recorded calls (Calls) into logical calls, as a
// Cycle fault counts them: attempts of one region, form and invocation id
// belong to one call until an attempt gets through the faults; the next
// attempt with the same key starts a new call. Calls are in order of their
// first attempt.
func LogicalCalls(calls []Call) []LogicalCall {
	var out []LogicalCall
	open := map[string]int{} // key -> index in out of the call still being retried
	for _, c := range calls {
		key := callKey(c.Region, c.InvocationID, c.Form)
		i, ok := open[key]
		if !ok {
			i = len(out)
			out = append(out, LogicalCall{Region: c.Region, Action: c.Action})
		}
		out[i].Attempts = append(out[i].Attempts, c)
		if c.Fault == "" {
			delete(open, key)
		} else {
			open[key] = i
		}
	}
	return out
}

func defaultFaultMessage(code, action string) string {
	switch code {
	case "RequestLimitExceeded":
		return "Request limit exceeded."
	case "UnauthorizedOperation":
		return fmt.Sprintf("You are not authorized to perform this operation. User: arn:aws:iam::%s:user/fake is not authorized to perform: ec2:%s", DefaultAccountID, action)
	default:
		return "Injected fault."
	}
}
