package ec2fake

import "fmt"

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
	// Cycle, when above 1, makes the fault apply to all but the last of
	// every Cycle matching calls, forever (Times is ignored): with Cycle 3,
	// a client that retries each call fails twice and succeeds on its third
	// attempt, call after call.
	Cycle int

	used int
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

// takeFault returns the error for this call, if a fault applies. Callers hold s.mu.
func (s *Server) takeFault(region, action string) *APIError {
	for _, f := range s.faults {
		if f.Action != "" && f.Action != action || f.Region != "" && f.Region != region {
			continue
		}
		if f.Cycle > 1 {
			f.used++
			if f.used%f.Cycle == 0 {
				continue
			}
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
